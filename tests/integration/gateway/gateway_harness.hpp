#pragma once
// Test harness for agm-gateway: a throw-away PKI (made with mtls/pki in a temp dir), a gateway
// config with the fixture functions, the gateway as a child process, and a libcurl HTTPS client
// that presents a client certificate.
#include <curl/curl.h>

#include <stdlib.h>
#include <sys/wait.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "pki/pki.hpp"
#include "support/process.hpp"

namespace agm::test {

namespace fs = std::filesystem;

inline void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "agm-gateway-test-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    if (std::getenv("AGM_KEEP_TEST_DIR") != nullptr)
      return;  // for debugging a failure
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

struct ClientFiles {
  std::string cert;  // path
  std::string key;   // path
  std::string pem;   // the certificate PEM
};

// Runs the openssl command line (bounded); throws when it fails.
inline void openssl(std::vector<std::string> args, const fs::path& log) {
  args.insert(args.begin(), "openssl");
  ChildProcess p(args, {}, true, log.string());
  const auto status = p.wait_for(std::chrono::seconds(30));
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    throw std::runtime_error("openssl " + args.at(1) + " failed: " + read_file(log));
}

// Root CA -> intermediate CA -> server and client certificates; plus bad clients.
struct Pki {
  std::string server_ca;   // path: root CA (curl verifies the server with it)
  std::string truststore;  // path: root + intermediate
  std::string server_cert, server_key;
  ClientFiles good, expired, not_yet_valid, other_ca, self_signed;
  std::optional<ClientFiles> sha1;  // when OpenSSL still signs with SHA-1
  // Made with the openssl command line and named as in AWS's captured payload 2.0 events: issuer
  // C=US,ST=Washington,L=Seattle,O=Amazon Web Services,OU=Security,CN=My Private CA (a root added
  // to the truststore), subject ...,CN=My Client; serial 1, and 2^64 + 1 for the second.
  ClientFiles aws_shaped, aws_shaped_big_serial;
  static constexpr const char* kAwsIssuerDn =
      "C=US,ST=Washington,L=Seattle,O=Amazon Web Services,OU=Security,CN=My Private CA";
  static constexpr const char* kAwsSubjectDn =
      "C=US,ST=Washington,L=Seattle,O=Amazon Web Services,OU=Security,CN=My Client";

  explicit Pki(const fs::path& dir) {
    using namespace agm::pki;
    const auto now = agm::core::SystemClock().now();
    const auto k = KeyType::kEcP256;
    auto root = create_root_ca("Gateway Test Root", k, days_from(now, 30));
    auto inter = create_intermediate_ca(root, "Gateway Test Intermediate", k, days_from(now, 30));
    server_ca = (dir / "server-ca.pem").string();
    write_file(server_ca, root.cert_pem);
    truststore = (dir / "truststore.pem").string();
    const std::string aws_ca = make_aws_shaped(dir);
    write_file(truststore, root.cert_pem + inter.cert_pem + aws_ca);
    auto server =
        issue_server_certificate(inter, {"localhost"}, {"127.0.0.1"}, k, days_from(now, 30));
    server_cert = (dir / "server.pem").string();
    server_key = (dir / "server.key").string();
    write_file(server_cert, server.cert_pem + inter.cert_pem);
    write_file(server_key, server.key_pem);

    auto save = [&](const std::string& name, const KeyAndCert& kc) {
      ClientFiles f{(dir / (name + ".pem")).string(), (dir / (name + ".key")).string(),
                    kc.cert_pem};
      write_file(f.cert, kc.cert_pem);
      write_file(f.key, kc.key_pem);
      return f;
    };
    good = save("good", issue_client_certificate(inter, "client-good", k, days_from(now, 10)));
    expired = save("expired", issue_client_certificate(inter, "client-expired", k,
                                                       Validity{now - std::chrono::hours(24 * 10),
                                                                now - std::chrono::hours(24)}));
    not_yet_valid = save(
        "future",
        issue_client_certificate(inter, "client-future", k,
                                 Validity{agm::core::from_civil(2600, 1, 1, 0, 0, 0).value(),
                                          agm::core::from_civil(2615, 1, 1, 0, 0, 0).value()}));
    auto other_root = create_root_ca("Other Root", k, days_from(now, 30));
    other_ca =
        save("other", issue_client_certificate(other_root, "client-other", k, days_from(now, 10)));
    self_signed = save("self", issue_certificate(nullptr, "client-self", k, days_from(now, 10),
                                                 IssueOptions{}, {"clientAuth"}));
    try {
      IssueOptions weak;
      weak.digest = "sha1";
      sha1 = save("sha1", issue_certificate(&inter, "client-sha1", k, days_from(now, 10), weak,
                                            {"clientAuth"}));
    } catch (const std::exception&) {
      sha1.reset();  // this OpenSSL refuses to sign with SHA-1: nothing to test
    }
  }

  // Writes the AWS-shaped CA and clients; returns the CA's PEM (for the truststore).
  std::string make_aws_shaped(const fs::path& dir) {
    const fs::path cnf = dir / "openssl.cnf";
    write_file(
        cnf,
        "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n"
        "[ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n"
        "subjectKeyIdentifier = hash\n"
        "[client]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\n"
        "extendedKeyUsage = clientAuth\n");
    const fs::path log = dir / "openssl.log";
    const std::string base = "/C=US/ST=Washington/L=Seattle/O=Amazon Web Services/OU=Security/CN=";
    const auto path = [&](const char* name) { return (dir / name).string(); };
    openssl({"req", "-x509", "-config", cnf.string(), "-extensions", "ca", "-newkey", "ec",
             "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("aws-ca.key"), "-out",
             path("aws-ca.pem"), "-days", "30", "-subj", base + "My Private CA"},
            log);
    const auto client = [&](const std::string& name, const std::string& serial) {
      openssl({"req", "-new", "-config", cnf.string(), "-newkey", "ec", "-pkeyopt",
               "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("aws-client.key"), "-out",
               path("aws-client.csr"), "-subj", base + "My Client"},
              log);
      const std::string cert = (dir / (name + ".pem")).string();
      const std::string key = (dir / (name + ".key")).string();
      openssl({"x509", "-req", "-in", path("aws-client.csr"), "-CA", path("aws-ca.pem"), "-CAkey",
               path("aws-ca.key"), "-set_serial", serial, "-days", "10", "-extfile", cnf.string(),
               "-extensions", "client", "-out", cert},
              log);
      fs::rename(path("aws-client.key"), key);
      return ClientFiles{cert, key, read_file(cert)};
    };
    aws_shaped = client("aws-shaped", "1");
    aws_shaped_big_serial = client("aws-shaped-big", "0x010000000000000001");
    return read_file(path("aws-ca.pem"));
  }
};

struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string error;

  [[nodiscard]] std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  // What API Gateway answers a client certificate it does not trust (an issuer outside the
  // truststore, self-signed, expired, a weak signature): the TLS connection is made and the
  // request gets 403 {"message":"Forbidden"}, with no function involved.
  [[nodiscard]] bool forbidden_by_the_gateway() const {
    return code == CURLE_OK && status == 403 && body == R"({"message":"Forbidden"})" &&
           !header("apigw-requestid").empty();
  }
};

struct Request {
  std::string method = "GET";
  std::string path = "/";
  std::vector<std::string> headers;  // "Name: value"
  std::optional<std::string> body;
  const ClientFiles* client = nullptr;  // nullptr: no client certificate
  long timeout_ms = 20000;
};

inline std::size_t on_body(char* d, std::size_t s, std::size_t n, void* u) {
  static_cast<std::string*>(u)->append(d, s * n);
  return s * n;
}

inline std::size_t on_header(char* d, std::size_t s, std::size_t n, void* u) {
  std::string line(d, s * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& ch : name)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
      value.pop_back();
    while (!value.empty() && value.front() == ' ')
      value.erase(0, 1);
    static_cast<std::multimap<std::string, std::string>*>(u)->emplace(name, value);
  }
  return s * n;
}

inline Reply https(std::uint16_t port, const std::string& server_ca, const Request& r) {
  Reply out;
  CURL* c = curl_easy_init();
  std::string url = "https://127.0.0.1:" + std::to_string(port) + r.path;
  char err[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  curl_easy_setopt(c, CURLOPT_CAINFO, server_ca.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r.timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (r.client != nullptr) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, r.client->cert.c_str());
    curl_easy_setopt(c, CURLOPT_SSLKEY, r.client->key.c_str());
  }
  if (r.body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, r.body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body->size()));
  } else if (r.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  }
  curl_slist* hl = nullptr;
  for (const auto& h : r.headers)
    hl = curl_slist_append(hl, h.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &out.headers);
  out.code = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  out.error = err;
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  return out;
}

inline std::string bin(const std::string& name) {
  return binary_dir() + "/bin/" + name;
}

inline bool pid_exists(int pid) {
  return fs::exists("/proc/" + std::to_string(pid));
}

// GET `path` with the openssl command line (s_client at security level 0), for a client
// certificate that libcurl's OpenSSL refuses to even load (a SHA-1 signature): what the gateway
// does with it is the test. Returns what the server sent (the raw HTTP response), "" when the
// handshake failed.
inline std::string s_client_get(std::uint16_t port, const std::string& server_ca,
                                const ClientFiles& client, const fs::path& dir,
                                const std::string& path) {
  const fs::path request = dir / "s_client-request.txt";
  const fs::path out = dir / "s_client-out.txt";
  write_file(request, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
  write_file(out, "");
  ChildProcess p(
      {"sh", "-c",
       "exec openssl s_client -quiet -connect 127.0.0.1:" + std::to_string(port) +
           " -servername localhost -CAfile '" + server_ca + "' -cert '" + client.cert + "' -key '" +
           client.key + "' -cipher DEFAULT@SECLEVEL=0 < '" + request.string() + "' 2>/dev/null"},
      {}, true, out.string());
  (void)p.wait_for(std::chrono::seconds(20));
  return read_file(out);
}

}  // namespace agm::test
