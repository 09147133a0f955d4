// The harness floor for the cold-start figure: a process that does only what every function's
// first invocation must do at the Runtime API (GET next, POST an allow), with no library and no
// work. Measured under the same harness as ours and the peers, it is the part of their cold
// starts that belongs to process creation and the harness's Runtime API server, not to them.
// Not a runtime: one invocation, plain POSIX sockets, then it waits to be killed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::write(fd, data.data() + sent, data.size() - sent);
    if (n <= 0)
      return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads one response (Content-Length framed) and returns its head and body.
bool read_response(int fd, std::string& head, std::string& body) {
  std::string buffer;
  char chunk[16384];
  for (;;) {
    const auto end = buffer.find("\r\n\r\n");
    if (end != std::string::npos) {
      head = buffer.substr(0, end);
      std::string lower = head;
      for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const auto cl = lower.find("content-length:");
      const std::size_t length =
          cl == std::string::npos ? 0 : std::strtoul(lower.c_str() + cl + 15, nullptr, 10);
      if (buffer.size() - end - 4 >= length) {
        body = buffer.substr(end + 4, length);
        return true;
      }
    }
    const ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n <= 0)
      return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

std::string header_value(const std::string& head, const std::string& lower_name) {
  std::string lower = head;
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto at = lower.find("\r\n" + lower_name + ":");
  if (at == std::string::npos)
    return {};
  auto start = at + 3 + lower_name.size();
  while (start < head.size() && head[start] == ' ')
    ++start;
  return head.substr(start, head.find("\r\n", start) - start);
}

}  // namespace

int main() {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr)
    return 2;
  const std::string endpoint = api;
  const auto colon = endpoint.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(endpoint.c_str() + colon + 1)));
  if (colon == std::string::npos ||
      ::inet_pton(AF_INET, endpoint.substr(0, colon).c_str(), &addr.sin_addr) != 1)
    return 2;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0)
    return 1;
  std::string head;
  std::string body;
  if (!send_all(fd, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: " + endpoint +
                        "\r\n\r\n") ||
      !read_response(fd, head, body))
    return 1;
  const std::string id = header_value(head, "lambda-runtime-aws-request-id");
  const std::string answer = R"({"isAuthorized":true,"context":{}})";
  if (!send_all(fd, "POST /2018-06-01/runtime/invocation/" + id + "/response HTTP/1.1\r\nHost: " +
                        endpoint + "\r\nContent-Type: application/json\r\nContent-Length: " +
                        std::to_string(answer.size()) + "\r\n\r\n" + answer) ||
      !read_response(fd, head, body))
    return 1;
  ::pause();  // the harness kills it, as it kills the functions
  return 0;
}
