#include "local/ssm/emulator.hpp"

#include <algorithm>
#include <filesystem>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "core/file.hpp"

namespace agm::local::ssm {
namespace json = boost::json;

namespace {

constexpr std::size_t kStandardMax = 4096;  // characters, per tier (SSM quotas)
constexpr std::size_t kAdvancedMax = 8192;
constexpr std::size_t kHistoryMax = 100;  // SSM keeps the last 100 versions
constexpr std::int64_t kPageMax = 10;     // GetParametersByPath MaxResults 1-10

Response error(const std::string& type, const std::string& message, int status = 400) {
  return {status, json::serialize(json::object{{"__type", type}, {"message", message}})};
}
Response ok(const json::object& body) {
  return {200, json::serialize(body)};
}

std::string str(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}
bool flag(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->as_bool();
}

// SSM's rule for names: [a-zA-Z0-9_.-/], at most 2048 characters with the path; a hierarchy starts
// with '/' and has no empty level.
bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 2048 || name.find("//") != std::string::npos ||
      (name.size() > 1 && name.back() == '/')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-' ||
           c == '/';
  });
}

}  // namespace

Emulator::Emulator(Config config, const core::Clock& clock)
    : config_(std::move(config)), clock_(clock) {
  load();
}

Response Emulator::handle(const aws::ReceivedRequest& request) {
  if (request.method != "POST") {
    return error("UnknownOperationException", "POST only", 404);
  }
  const auto target = request.headers.find("x-amz-target");
  if (target == request.headers.end() || !target->second.starts_with("AmazonSSM.")) {
    return error("UnknownOperationException", "X-Amz-Target AmazonSSM.<Action> expected");
  }
  const aws::SignatureCheck signature = aws::verify_signature(
      request,
      {"ssm", config_.credentials, config_.region, {"host", "x-amz-date", "x-amz-target"}});
  if (!signature.ok()) {
    return error(signature.errc == aws::SignatureErrc::kMismatch ? "InvalidSignatureException"
                                                                 : "UnrecognizedClientException",
                 signature.why);
  }
  const auto body = core::parse_json(request.body);
  if (!body || !body->is_object()) {
    return error("SerializationException", "the body is not a JSON object");
  }
  const std::lock_guard lock(mutex_);
  // A failure (the state file cannot be written) must not leave memory ahead of the file, nor end
  // the process: the change is undone and the caller gets AWS's 500 InternalServerError. The
  // state is a handful of parameters, so the copy costs nothing that matters here.
  auto before = parameters_;
  try {
    return dispatch(target->second.substr(10), body->as_object());
  } catch (const std::exception& e) {
    parameters_ = std::move(before);
    return error("InternalServerError", std::string("the local SSM emulator failed: ") + e.what(),
                 500);
  }
}

Response Emulator::dispatch(const std::string& action, const json::object& body) {
  if (action == "PutParameter")
    return put(body);
  if (action == "GetParameter")
    return get(body);
  if (action == "GetParameters")
    return get_many(body);
  if (action == "GetParametersByPath")
    return by_path(body);
  if (action == "DeleteParameter")
    return remove(body);
  if (action == "GetParameterHistory")
    return history(body);
  return error("InvalidAction", "the local SSM emulator does not serve " + action);
}

Response Emulator::put(const json::object& body) {
  const std::string name = str(body, "Name");
  const std::string value = str(body, "Value");
  std::string type = str(body, "Type");
  std::string tier = str(body, "Tier");
  if (!valid_name(name) || value.empty()) {
    return error("ValidationException", "Name and a non-empty Value are required");
  }
  auto& versions = parameters_[name];
  const Version* last = versions.empty() ? nullptr : &versions.back();
  if (last != nullptr && !flag(body, "Overwrite")) {
    return error("ParameterAlreadyExists",
                 "The parameter already exists. To overwrite this "
                 "value, set the overwrite option in the request to true.");
  }
  if (type.empty() && last != nullptr) {
    type = last->type;
  }
  if (type != "String" && type != "StringList" && type != "SecureString") {
    if (last == nullptr) {
      parameters_.erase(name);
    }
    return error("ValidationException", "Type must be String, StringList or SecureString");
  }
  const bool was_advanced = last != nullptr && last->tier == "Advanced";
  if (tier == "Intelligent-Tiering") {
    tier = value.size() > kStandardMax || was_advanced ? "Advanced" : "Standard";
  } else if (tier.empty()) {
    // No tier asked: the account's default (Standard), and an Advanced parameter stays Advanced.
    tier = was_advanced ? "Advanced" : "Standard";
  }
  const std::size_t limit = tier == "Advanced" ? kAdvancedMax : kStandardMax;
  Response refused;
  if (tier == "Standard" && was_advanced) {
    refused = error("ValidationException",
                    "This parameter uses the advanced-parameter tier. You "
                    "can't downgrade a parameter from the advanced-"
                    "parameter tier to the standard-parameter tier.");
  } else if (value.size() > limit) {
    refused = error("ValidationException",
                    tier == "Advanced" ? "Advanced tier parameters support a maximum parameter "
                                         "value of 8192 characters."
                                       : "Standard tier parameters support a maximum parameter "
                                         "value of 4096 characters. To create a larger parameter "
                                         "value, upgrade the parameter to use the advanced-"
                                         "parameter tier.");
  }
  if (refused.status != 200) {
    if (last == nullptr) {
      parameters_.erase(name);
    }
    return refused;
  }
  Version v{
      last != nullptr ? last->version + 1 : 1,          type, value,
      type == "SecureString" ? str(body, "KeyId") : "", tier, core::to_epoch_seconds(clock_.now())};
  if (v.type == "SecureString" && v.key_id.empty()) {
    v.key_id = "alias/aws/ssm";  // SSM's default key
  }
  versions.push_back(std::move(v));
  if (versions.size() > kHistoryMax) {
    versions.erase(versions.begin());
  }
  save();
  return ok({{"Version", versions.back().version}, {"Tier", versions.back().tier}});
}

json::object Emulator::describe(const std::string& name, const Version& v, bool decrypt) const {
  std::string value = v.value;
  if (v.type == "SecureString" && !decrypt) {
    // What SSM returns without decryption: the KMS ciphertext, base64. No KMS here: an opaque
    // stand-in that never holds the value.
    value = core::base64_encode("local-kms:" + core::sha256_hex(v.key_id + "\n" + v.value));
  }
  return {{"Name", name},
          {"Type", v.type},
          {"Value", value},
          {"Version", v.version},
          {"LastModifiedDate", v.modified},
          {"ARN", "arn:aws:ssm:" + config_.region + ":" + config_.account_id + ":parameter" +
                      (name.front() == '/' ? name : "/" + name)},
          {"DataType", "text"}};
}

Response Emulator::get(const json::object& body) {
  const std::string name = str(body, "Name");
  const auto it = parameters_.find(name);
  if (it == parameters_.end()) {
    return error("ParameterNotFound", "");
  }
  return ok({{"Parameter", describe(name, it->second.back(), flag(body, "WithDecryption"))}});
}

Response Emulator::get_many(const json::object& body) {
  json::array found;
  json::array invalid;
  const auto* names = body.if_contains("Names");
  if (names == nullptr || !names->is_array() || names->as_array().empty() ||
      names->as_array().size() > 10) {
    return error("ValidationException", "Names: 1 to 10 names");
  }
  for (const auto& n : names->as_array()) {
    const std::string name = n.is_string() ? std::string(n.as_string()) : std::string();
    const auto it = parameters_.find(name);
    if (it == parameters_.end()) {
      invalid.emplace_back(name);
    } else {
      found.emplace_back(describe(name, it->second.back(), flag(body, "WithDecryption")));
    }
  }
  return ok({{"Parameters", found}, {"InvalidParameters", invalid}});
}

Response Emulator::by_path(const json::object& body) {
  std::string path = str(body, "Path");
  if (path.empty() || path.front() != '/') {
    return error("ValidationException", "Path must start with /");
  }
  if (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  const std::string prefix = path == "/" ? "/" : path + "/";
  const auto* max = body.if_contains("MaxResults");
  const std::int64_t page = max != nullptr && max->is_int64() ? max->as_int64() : kPageMax;
  if (page < 1 || page > kPageMax) {
    return error("ValidationException", "MaxResults must be 1 to 10");
  }
  const std::string after = core::base64_decode(str(body, "NextToken")).value_or("");
  json::array out;
  std::string next;
  for (const auto& [name, versions] : parameters_) {
    const bool under =
        name.starts_with(prefix) &&
        (flag(body, "Recursive") || name.find('/', prefix.size()) == std::string::npos);
    if (!under || name <= after) {
      continue;
    }
    if (static_cast<std::int64_t>(out.size()) == page) {
      next = core::base64_encode(out.back().as_object().at("Name").as_string());
      break;
    }
    out.emplace_back(describe(name, versions.back(), flag(body, "WithDecryption")));
  }
  json::object answer{{"Parameters", out}};
  if (!next.empty()) {
    answer["NextToken"] = next;
  }
  return ok(answer);
}

Response Emulator::remove(const json::object& body) {
  if (parameters_.erase(str(body, "Name")) == 0) {
    return error("ParameterNotFound", "");
  }
  save();
  return ok({});
}

Response Emulator::history(const json::object& body) {
  const std::string name = str(body, "Name");
  const auto it = parameters_.find(name);
  if (it == parameters_.end()) {
    return error("ParameterNotFound", "");
  }
  json::array out;
  for (const auto& v : it->second) {
    json::object o = describe(name, v, flag(body, "WithDecryption"));
    o["Tier"] = v.tier;
    if (!v.key_id.empty()) {
      o["KeyId"] = v.key_id;
    }
    out.emplace_back(std::move(o));
  }
  return ok({{"Parameters", out}});
}

void Emulator::save() const {
  json::object state;
  for (const auto& [name, versions] : parameters_) {
    json::array list;
    for (const auto& v : versions) {
      list.emplace_back(json::object{{"version", v.version},
                                     {"type", v.type},
                                     {"value", v.value},
                                     {"key_id", v.key_id},
                                     {"tier", v.tier},
                                     {"modified", v.modified}});
    }
    state[name] = std::move(list);
  }
  core::write_file_atomic(config_.state_dir + "/parameters.json", json::serialize(state), 0600);
}

void Emulator::load() {
  const std::string path = config_.state_dir + "/parameters.json";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return;
  }
  const auto state = core::parse_json(core::read_file(path));
  if (!state || !state->is_object()) {
    throw core::Error("ssm_state_corrupt", path + " is not a JSON object");
  }
  for (const auto& [name, list] : state->as_object()) {
    auto& versions = parameters_[std::string(name)];
    for (const auto& item : list.as_array()) {
      const auto& o = item.as_object();
      versions.push_back({o.at("version").as_int64(), str(o, "type"), str(o, "value"),
                          str(o, "key_id"), str(o, "tier"), o.at("modified").as_int64()});
    }
  }
}

}  // namespace agm::local::ssm
