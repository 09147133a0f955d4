#include "clients_file.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>

#include "clients_store.hpp"
#include "core/file.hpp"

namespace agm::mtlsctl {
namespace {

namespace json = boost::json;

// Where a field is: the line of the first `"key"` after `from` (the client's own key, so a field
// name that other clients share is found in the right client). JSON values carry no positions in
// Boost.JSON; searching the text is enough for a file people write by hand.
struct Locator {
  const std::string& text;
  std::size_t line_of(std::size_t offset) const {
    return 1 + static_cast<std::size_t>(std::count(
                   text.begin(), text.begin() + static_cast<long>(std::min(offset, text.size())),
                   '\n'));
  }
  std::size_t find_key(const std::string& key, std::size_t from) const {
    const auto at = text.find("\"" + key + "\"", from);
    return at == std::string::npos ? from : at;
  }
};

class Checker {
 public:
  Checker(std::string path, const std::string& text) : path_(std::move(path)), loc_{text} {}

  [[noreturn]] void fail(std::size_t offset, const std::string& field,
                         const std::string& what) const {
    throw ClientsFileError(path_ + ":" + std::to_string(loc_.line_of(offset)) + ": " + field +
                           ": " + what);
  }
  [[nodiscard]] const Locator& loc() const { return loc_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
  Locator loc_;
};

// A scope's short name: [A-Za-z0-9._-]{1,128}.
bool is_scope_name(std::string_view s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '.' || ch == '_' || ch == '-';
  });
}

void only_keys(const Checker& c, const json::object& o, std::initializer_list<const char*> keys,
               std::size_t at, const std::string& field) {
  for (const auto& entry : o) {
    const std::string key(entry.key());
    if (std::none_of(keys.begin(), keys.end(), [&](const char* x) { return key == x; })) {
      std::string where = field;
      where += ".";
      where += key;
      c.fail(c.loc().find_key(key, at), where, "unknown field");
    }
  }
}

void read_certificate(const Checker& c, const json::value& v, std::size_t at,
                      const std::string& field, DeclaredClient& out) {
  const auto* o = v.if_object();
  if (o == nullptr || o->size() != 1 || (!o->contains("generate") && !o->contains("csr"))) {
    c.fail(at, field, "an object with one of generate or csr");
  }
  if (const auto* g = o->if_contains("generate")) {
    const std::size_t gat = c.loc().find_key("generate", at);
    if (!g->is_object()) {
      c.fail(gat, field + ".generate", "an object ({\"key_type\": ..., \"days\": ...})");
    }
    only_keys(c, g->as_object(), {"key_type", "days"}, gat, field + ".generate");
    out.generate_key_type = pki::KeyType::kEcP256;
    if (const auto* kt = g->as_object().if_contains("key_type")) {
      const auto type = kt->is_string() ? pki::parse_key_type(kt->as_string()) : std::nullopt;
      if (!type) {
        c.fail(c.loc().find_key("key_type", gat), field + ".generate.key_type",
               "ec-p256, rsa-2048 or rsa-3072");
      }
      out.generate_key_type = *type;
    }
    if (const auto* d = g->as_object().if_contains("days")) {
      if (!d->is_int64() || d->as_int64() < 1 || d->as_int64() > 3650) {
        c.fail(c.loc().find_key("days", gat), field + ".generate.days",
               "a whole number of days, 1 to 3650");
      }
      out.days = static_cast<int>(d->as_int64());
    }
    return;
  }
  const std::size_t cat = c.loc().find_key("csr", at);
  const auto& csr = o->at("csr");
  if (!csr.is_string() || csr.as_string().empty()) {
    c.fail(cat, field + ".csr", "a path to a PEM CSR, relative to the file");
  }
  namespace fs = std::filesystem;
  out.csr_path = (fs::path(c.path()).parent_path() / std::string(csr.as_string())).string();
  try {
    out.csr_pem = core::read_file(out.csr_path);
    pki::check_csr(out.csr_pem);
  } catch (const core::Error& e) {
    c.fail(cat, field + ".csr", out.csr_path + ": " + e.what());
  }
}

DeclaredClient read_client(const Checker& c, const std::string& name, const json::value& v,
                           std::size_t at) {
  const std::string field = "clients." + name;
  if (!is_client_name(name)) {
    c.fail(at, field, "a name is 1-64 lowercase letters, digits and inner hyphens");
  }
  const auto* o = v.if_object();
  if (o == nullptr) {
    c.fail(at, field, "an object");
  }
  only_keys(c, *o, {"scopes", "certificate", "access_token_validity_minutes", "revoked_canary"}, at,
            field);
  DeclaredClient out;
  out.name = name;
  const auto* scopes = o->if_contains("scopes");
  const std::size_t sat = c.loc().find_key("scopes", at);
  if (scopes == nullptr || !scopes->is_array() || scopes->as_array().empty()) {
    c.fail(sat, field + ".scopes", "a non-empty list of scope names");
  }
  for (const auto& s : scopes->as_array()) {
    if (!s.is_string() || !is_scope_name(s.as_string())) {
      c.fail(sat, field + ".scopes", "each scope is a short name like orders.read");
    }
    out.scopes.emplace_back(s.as_string());
  }
  if (const auto* m = o->if_contains("access_token_validity_minutes")) {
    if (!m->is_int64() || m->as_int64() < 5 || m->as_int64() > 1440) {
      c.fail(c.loc().find_key("access_token_validity_minutes", at),
             field + ".access_token_validity_minutes", "a whole number from 5 to 1440");
    }
    out.access_token_validity_minutes = static_cast<int>(m->as_int64());
  }
  if (const auto* rc = o->if_contains("revoked_canary")) {
    if (!rc->is_bool()) {
      c.fail(c.loc().find_key("revoked_canary", at), field + ".revoked_canary", "true or false");
    }
    out.revoked_canary = rc->as_bool();
  }
  const auto* cert = o->if_contains("certificate");
  if (cert == nullptr) {
    c.fail(at, field + ".certificate", "missing (generate or csr)");
  }
  read_certificate(c, *cert, c.loc().find_key("certificate", at), field + ".certificate", out);
  return out;
}

json::value parse_or_fail(const Checker& c, const std::string& text) {
  json::stream_parser parser;
  boost::system::error_code ec;
  const std::size_t used = parser.write(text, ec);
  if (!ec) {
    parser.finish(ec);
  }
  if (ec) {
    c.fail(used, "(file)", "not JSON: " + ec.message());
  }
  return parser.release();
}

}  // namespace

std::vector<DeclaredClient> read_clients_file(const std::string& path) {
  std::string text;
  try {
    text = core::read_file(path);
  } catch (const core::Error& e) {
    throw ClientsFileError(e.what());
  }
  const Checker c(path, text);
  const json::value doc = parse_or_fail(c, text);
  const auto* top = doc.if_object();
  if (top == nullptr) {
    c.fail(0, "(file)", "a JSON object with \"clients\"");
  }
  only_keys(c, *top, {"clients", "$schema"}, 0, "(file)");
  const auto* clients = top->if_contains("clients");
  if (clients == nullptr || !clients->is_object()) {
    c.fail(c.loc().find_key("clients", 0), "clients", "an object of clients by name");
  }
  const std::size_t base = c.loc().find_key("clients", 0);
  std::vector<DeclaredClient> out;
  for (const auto& [name, value] : clients->as_object()) {
    const std::string n(name);
    out.push_back(read_client(c, n, value, c.loc().find_key(n, base + 9)));
  }
  std::sort(out.begin(), out.end(),
            [](const DeclaredClient& a, const DeclaredClient& b) { return a.name < b.name; });
  // A revoked canary's material is stored under <name>-revoked: no client may be named that.
  for (const auto& client : out) {
    const std::string taken = revoked_canary_name(client.name);
    if (client.revoked_canary &&
        std::any_of(out.begin(), out.end(), [&](const auto& d) { return d.name == taken; })) {
      c.fail(c.loc().find_key(taken, base + 9), "clients." + taken,
             "the name is taken by clients." + client.name + ".revoked_canary");
    }
  }
  return out;
}

}  // namespace agm::mtlsctl
