#include "local/runtime/function_pool.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/json.hpp"

namespace agm::local {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
namespace json = boost::json;

namespace {

constexpr std::string_view kPrefix = "/2018-06-01/runtime/";
// Lambda's synchronous response payload quota is 6 MB; a bigger response is a function error.
constexpr std::size_t kMaxResponseBytes = std::size_t{6} * 1024 * 1024;
constexpr std::size_t kMaxOutputLine = std::size_t{64} * 1024;

// Variables of the gateway's own environment a function process also gets. Lambda gives a
// function nothing of its host's environment; these few make local binaries run (PATH, shared
// libraries, sanitizer settings of the test build).
constexpr const char* kInherited[] = {
    "PATH",         "HOME",          "TMPDIR",      "LANG", "TZ", "LD_LIBRARY_PATH",
    "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};

std::string uuid4() {
  std::string b = core::random_bytes(16);
  b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0FU) | 0x40U);
  b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3FU) | 0x80U);
  std::string h = core::hex_encode(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

std::string trace_id() {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  char hex_time[16];
  std::snprintf(hex_time, sizeof hex_time, "%08llx", static_cast<unsigned long long>(now));
  return std::string("Root=1-") + hex_time + "-" + core::hex_encode(core::random_bytes(12)) +
         ";Parent=" + core::hex_encode(core::random_bytes(8)) + ";Sampled=0";
}

// The environment Lambda sets for a custom runtime (provided.al2023), plus the function's own
// variables; `log_stream` numbers the process, `port` is its Runtime API.
std::map<std::string, std::string> lambda_environment(const FunctionConfig& config,
                                                      std::size_t log_stream, std::uint16_t port) {
  std::map<std::string, std::string> env;
  for (const char* name : kInherited) {
    if (const char* v = std::getenv(name))
      env[name] = v;
  }
  std::filesystem::path exe(config.command.front());
  env["AWS_LAMBDA_FUNCTION_NAME"] = config.name;
  env["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(config.memory_mb);
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + config.name;
  env["AWS_LAMBDA_LOG_STREAM_NAME"] = "local/" + std::to_string(log_stream);
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
  env["AWS_REGION"] = config.region;
  env["AWS_DEFAULT_REGION"] = config.region;
  env["LAMBDA_TASK_ROOT"] = exe.has_parent_path() ? exe.parent_path().string() : ".";
  env["_HANDLER"] = exe.filename().string();
  for (const auto& [k, v] : config.env)
    env[k] = v;
  env["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:" + std::to_string(port);
  return env;
}

// A null-terminated char* array over strings it owns (argv, envp), built before fork: after fork
// the child makes only async-signal-safe calls.
class ExecVector {
 public:
  explicit ExecVector(std::vector<std::string> strings) : strings_(std::move(strings)) {
    pointers_.reserve(strings_.size() + 1);
    for (auto& s : strings_)
      pointers_.push_back(s.data());
    pointers_.push_back(nullptr);
  }
  ExecVector(const ExecVector&) = delete;
  ExecVector& operator=(const ExecVector&) = delete;
  char** data() { return pointers_.data(); }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> pointers_;
};

ExecVector environment_block(const std::map<std::string, std::string>& env) {
  std::vector<std::string> entries;
  entries.reserve(env.size());
  for (const auto& [k, v] : env) {
    std::string entry = k;
    entry += '=';
    entry += v;
    entries.push_back(std::move(entry));
  }
  return ExecVector(std::move(entries));
}

// The child's side of fork: its own process group, stdin from /dev/null, stdout and stderr to
// the pipes, no other descriptor of the gateway, then exec. Async-signal-safe calls only.
[[noreturn]] void exec_child(char** argv, char** envp, int out_fd, int err_fd) {
  ::setpgid(0, 0);
  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0)
    ::dup2(devnull, 0);
  ::dup2(out_fd, 1);
  ::dup2(err_fd, 2);
  // No descriptor of the gateway (listening sockets, client connections) leaks into a function.
  ::close_range(3, UINT_MAX, 0);
  ::signal(SIGPIPE, SIG_DFL);
  ::execve(argv[0], argv, envp);
  static constexpr char kMsg[] = "exec failed\n";
  (void)!::write(2, kMsg, sizeof kMsg - 1);
  ::_exit(127);
}

std::string error_message_of(std::string_view body) {
  if (auto v = core::parse_json(body)) {
    if (auto m = core::get_string(*v, "errorMessage"))
      return std::string(*m);
  }
  return std::string(body.substr(0, 512));
}

}  // namespace

std::string_view to_string(InvokeStatus s) {
  switch (s) {
    case InvokeStatus::kOk:
      return "ok";
    case InvokeStatus::kFunctionError:
      return "function_error";
    case InvokeStatus::kTimeout:
      return "timeout";
    case InvokeStatus::kCrash:
      return "crash";
    case InvokeStatus::kInitError:
      return "init_error";
    case InvokeStatus::kThrottled:
      return "throttled";
    case InvokeStatus::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

struct FunctionPool::Invocation {
  explicit Invocation(asio::io_context& io) : done(io), deadline(io) {
    done.expires_at(asio::steady_timer::time_point::max());
  }
  std::string id;
  std::string event;
  std::optional<InvokeResult> result;
  std::weak_ptr<Process> proc;
  bool delivered = false;
  std::chrono::system_clock::time_point deadline_wall;
  asio::steady_timer done;      // cancelled when result is set (wakes invoke())
  asio::steady_timer deadline;  // queue timeout, then invocation timeout
};

struct FunctionPool::Process {
  explicit Process(asio::io_context& io) : acceptor(io), pidfd(io), out(io), err(io), wake(io) {
    wake.expires_at(asio::steady_timer::time_point::max());
  }
  pid_t pid = -1;
  std::uint16_t port = 0;
  tcp::acceptor acceptor;
  asio::posix::stream_descriptor pidfd;
  asio::posix::stream_descriptor out;
  asio::posix::stream_descriptor err;
  asio::steady_timer wake;  // cancelled to wake a /next long poll
  std::shared_ptr<Invocation> current;
  bool asked_next = false;
  bool alive = true;
  bool killed = false;
  bool reaped = false;
  std::string init_error;
};

FunctionPool::FunctionPool(asio::io_context& io, FunctionConfig config, const core::Logger& log,
                           std::ostream* child_output)
    : io_(io), config_(std::move(config)), log_(log), child_output_(child_output) {
  if (config_.max_concurrency == 0)
    config_.max_concurrency = 1;
}

FunctionPool::~FunctionPool() {
  shutdown();
}

std::vector<pid_t> FunctionPool::pids() const {
  std::vector<pid_t> out;
  for (const auto& p : processes_) {
    if (p->alive)
      out.push_back(p->pid);
  }
  return out;
}

asio::awaitable<InvokeResult> FunctionPool::invoke(std::string event) {
  auto inv = std::make_shared<Invocation>(io_);
  inv->id = uuid4();
  inv->event = std::move(event);
  if (shut_down_)
    co_return InvokeResult{InvokeStatus::kShutdown, {}, -1};
  dispatch(inv);
  while (!inv->result) {
    boost::system::error_code ec;
    co_await inv->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return *inv->result;
}

void FunctionPool::dispatch(const std::shared_ptr<Invocation>& inv) {
  // A warm process that already waits in /next first, then one still starting.
  std::shared_ptr<Process> free_proc;
  std::size_t live = 0;
  for (const auto& p : processes_) {
    if (!p->alive)
      continue;
    ++live;
    if (p->killed || p->current || !p->init_error.empty())
      continue;
    if (!free_proc || (p->asked_next && !free_proc->asked_next))
      free_proc = p;
  }
  if (free_proc) {
    assign(free_proc, inv);
    return;
  }
  if (live < config_.max_concurrency) {
    auto p = spawn();
    if (!p) {
      complete(
          inv, InvokeStatus::kInitError,
          R"({"errorMessage":"could not start the function process","errorType":"Runtime.StartFailed"})");
      return;
    }
    assign(p, inv);
    return;
  }
  if (queue_.size() >= config_.max_queue) {
    log_.warn("function throttled",
              {{"function", config_.name}, {"queued", queue_.size()}, {"processes", live}});
    complete(inv, InvokeStatus::kThrottled, {});
    return;
  }
  queue_.push_back(inv);
  inv->deadline.expires_after(config_.queue_timeout);
  inv->deadline.async_wait(
      [this, weak = std::weak_ptr<Invocation>(inv)](const boost::system::error_code& ec) {
        if (ec)
          return;  // cancelled: assigned, completed or shut down
        auto i = weak.lock();
        if (!i || i->result)
          return;
        std::erase(queue_, i);
        log_.warn("invocation timed out in the queue", {{"function", config_.name}});
        complete(i, InvokeStatus::kTimeout, {});
      });
}

void FunctionPool::assign(const std::shared_ptr<Process>& proc,
                          const std::shared_ptr<Invocation>& inv) {
  proc->current = inv;
  inv->proc = proc;
  inv->delivered = false;
  // Guess: the timeout runs from the moment a process is assigned, so a cold start counts against
  // it (Lambda gives init its own 10 s). For our C++ binaries init takes milliseconds.
  inv->deadline_wall = std::chrono::system_clock::now() + config_.timeout;
  inv->deadline.expires_after(config_.timeout);
  inv->deadline.async_wait(
      [this, weak = std::weak_ptr<Invocation>(inv),
       weak_proc = std::weak_ptr<Process>(proc)](const boost::system::error_code& ec) {
        if (ec)
          return;
        auto i = weak.lock();
        if (!i || i->result)
          return;
        auto p = weak_proc.lock();
        log_.warn("function timed out; killing its process",
                  {{"function", config_.name},
                   {"pid", p ? p->pid : -1},
                   {"timeout_ms", static_cast<std::int64_t>(config_.timeout.count())}});
        if (p)
          kill_process(p);
        complete(i, InvokeStatus::kTimeout, {});
      });
  proc->wake.cancel();
}

// By value on purpose: callers pass proc->current, which this resets.
// NOLINTNEXTLINE(performance-unnecessary-value-param)
void FunctionPool::complete(std::shared_ptr<Invocation> inv, InvokeStatus status,
                            std::string payload) {
  if (inv->result)
    return;
  auto proc = inv->proc.lock();
  inv->result = InvokeResult{status, std::move(payload), proc ? proc->pid : -1};
  inv->deadline.cancel();
  inv->done.cancel();
  if (proc && proc->current == inv)
    proc->current.reset();
  inv->proc.reset();
}

void FunctionPool::on_free(const std::shared_ptr<Process>& proc) {
  if (!proc->alive || proc->killed || proc->current)
    return;
  while (!queue_.empty()) {
    auto next = queue_.front();
    queue_.pop_front();
    if (next->result)
      continue;
    assign(proc, next);
    return;
  }
}

void FunctionPool::kill_process(const std::shared_ptr<Process>& proc) {
  if (!proc->alive || proc->reaped)
    return;
  proc->killed = true;
  // The child called setpgid(0, 0): its pid is its process group, which takes along anything it
  // started.
  ::kill(-proc->pid, SIGKILL);
}

namespace {

constexpr std::string_view kAccepted = R"({"status":"OK"})";
constexpr std::string_view kUnknownPath =
    R"({"errorMessage":"unknown path","errorType":"NotFound"})";

void answer(http::response<http::string_body>& res, http::status status, std::string_view body) {
  res.result(status);
  res.body() = std::string(body);
}

// The answer to GET .../invocation/next: the event and the headers Lambda sends with it.
void hand_out(http::response<http::string_body>& res, const FunctionPool::Invocation& inv,
              const std::string& function_arn) {
  res.result(http::status::ok);
  res.set("Lambda-Runtime-Aws-Request-Id", inv.id);
  res.set("Lambda-Runtime-Deadline-Ms",
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                             inv.deadline_wall.time_since_epoch())
                             .count()));
  res.set("Lambda-Runtime-Invoked-Function-Arn", function_arn);
  res.set("Lambda-Runtime-Trace-Id", trace_id());
  res.body() = inv.event;
}

}  // namespace

std::shared_ptr<FunctionPool::Process> FunctionPool::spawn() {
  if (config_.command.empty())
    return nullptr;
  auto p = std::make_shared<Process>(io_);
  boost::system::error_code ec;
  p->acceptor.open(tcp::v4(), ec);
  if (!ec)
    p->acceptor.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0), ec);
  if (!ec)
    p->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    log_.error("runtime api listen failed", {{"function", config_.name}, {"error", ec.message()}});
    return nullptr;
  }
  p->port = p->acceptor.local_endpoint().port();

  ExecVector envp = environment_block(lambda_environment(config_, started_ + 1, p->port));
  ExecVector argv(config_.command);
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0)
    return nullptr;
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return nullptr;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
      ::close(fd);
    log_.error("fork failed", {{"function", config_.name}});
    return nullptr;
  }
  if (pid == 0)
    exec_child(argv.data(), envp.data(), out_pipe[1], err_pipe[1]);
  ::setpgid(pid, pid);  // also from the parent, so a kill right after fork finds the group
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  p->pid = pid;
  p->out.assign(out_pipe[0]);
  p->err.assign(err_pipe[0]);
  // syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C" for C++.
  int pfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pfd >= 0) {
    p->pidfd.assign(pfd);
  } else {
    log_.error("pidfd_open failed", {{"function", config_.name}, {"pid", pid}});
  }
  processes_.push_back(p);
  ++started_;
  log_.info("function process started",
            {{"function", config_.name}, {"pid", pid}, {"runtime_api_port", p->port}});
  asio::co_spawn(io_, serve_runtime_api(p), asio::detached);
  asio::co_spawn(io_, pump_output(p, 1), asio::detached);
  asio::co_spawn(io_, pump_output(p, 2), asio::detached);
  if (pfd >= 0)
    watch_exit(p);
  return p;
}

void FunctionPool::watch_exit(const std::shared_ptr<Process>& proc) {
  // A plain handler (not a coroutine): the pidfd turns readable when the process exits. On
  // shutdown the descriptor is closed and the handler sees operation_aborted.
  proc->pidfd.async_wait(asio::posix::stream_descriptor::wait_read,
                         [this, proc](const boost::system::error_code& ec) {
                           if (ec || proc->reaped)
                             return;
                           on_exit(proc);
                         });
}

void FunctionPool::on_exit(const std::shared_ptr<Process>& proc) {
  int status = 0;
  if (!proc->reaped) {
    if (::waitpid(proc->pid, &status, 0) == proc->pid)
      proc->reaped = true;
  }
  proc->alive = false;
  boost::system::error_code ignored;
  proc->acceptor.close(ignored);
  proc->pidfd.close(ignored);
  proc->wake.cancel();
  std::erase(processes_, proc);
  json::object fields{{"function", config_.name}, {"pid", proc->pid}};
  if (WIFEXITED(status))
    fields["exit_code"] = WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    fields["signal"] = WTERMSIG(status);
  if (auto inv = proc->current) {
    if (!proc->init_error.empty()) {
      complete(inv, InvokeStatus::kInitError, proc->init_error);
    } else if (!proc->asked_next) {
      // It died before asking for work: an init failure without a report.
      complete(
          inv, InvokeStatus::kInitError,
          R"({"errorMessage":"the function exited during init","errorType":"Runtime.ExitError"})");
    } else {
      complete(
          inv, InvokeStatus::kCrash,
          R"({"errorMessage":"the function exited during the invocation","errorType":"Runtime.ExitError"})");
    }
    log_.error("function process exited during an invocation", fields);
  } else if (!proc->killed && !shut_down_) {
    log_.warn("function process exited", fields);
  }
  if (shut_down_)
    return;
  // Capacity came free: start processes for waiting invocations.
  while (!queue_.empty()) {
    std::size_t live = 0;
    for (const auto& p : processes_)
      live += p->alive ? 1 : 0;
    if (live >= config_.max_concurrency)
      break;
    auto next = queue_.front();
    queue_.pop_front();
    if (next->result)
      continue;
    dispatch(next);
  }
}

void FunctionPool::shutdown() {
  if (shut_down_)
    return;
  shut_down_ = true;
  auto procs = processes_;
  for (const auto& p : procs)
    kill_process(p);
  for (const auto& p : procs) {
    if (!p->reaped) {
      int status = 0;
      if (::waitpid(p->pid, &status, 0) == p->pid)
        p->reaped = true;
    }
    p->alive = false;
    boost::system::error_code ignored;
    p->acceptor.close(ignored);
    p->pidfd.close(ignored);
    p->wake.cancel();
    if (p->current)
      complete(p->current, InvokeStatus::kShutdown, {});
  }
  processes_.clear();
  for (auto& inv : queue_)
    complete(inv, InvokeStatus::kShutdown, {});
  queue_.clear();
}

asio::awaitable<void> FunctionPool::pump_output(std::shared_ptr<Process> proc, int which) {
  auto& fd = which == 1 ? proc->out : proc->err;
  asio::streambuf buf(kMaxOutputLine);
  std::ostream& out = child_output_ ? *child_output_ : std::cerr;
  const std::string prefix = "[" + config_.name + " " + std::to_string(proc->pid) + "] ";
  for (;;) {
    auto [ec, n] =
        co_await asio::async_read_until(fd, buf, '\n', asio::as_tuple(asio::use_awaitable));
    std::size_t take = ec ? buf.size() : n;  // too long a line or end of stream: flush all
    if (take > 0) {
      std::string line(asio::buffers_begin(buf.data()),
                       asio::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(take));
      buf.consume(take);
      if (!line.empty() && line.back() == '\n')
        line.pop_back();
      out << (prefix + line + "\n") << std::flush;
    }
    if (ec && ec != asio::error::not_found)
      co_return;
  }
}

asio::awaitable<void> FunctionPool::serve_runtime_api(std::shared_ptr<Process> proc) {
  for (;;) {
    auto [ec, socket] = co_await proc->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec)
      co_return;
    if (!proc->alive)
      co_return;
    asio::co_spawn(io_, serve_connection(proc, std::move(socket)), asio::detached);
  }
}

void FunctionPool::on_response_too_large(const std::shared_ptr<Process>& proc) {
  if (!proc->current || !proc->current->delivered)
    return;
  log_.error("function response too large", {{"function", config_.name}});
  complete(
      proc->current, InvokeStatus::kFunctionError,
      R"({"errorMessage":"Response payload size exceeded maximum allowed payload size","errorType":"Function.ResponseSizeTooLarge"})");
  on_free(proc);
}

void FunctionPool::on_init_error(const std::shared_ptr<Process>& proc, std::string_view error_type,
                                 const std::string& body) {
  proc->init_error = body.empty() ? std::string(R"({"errorMessage":"init error"})") : body;
  log_.error("function init error", {{"function", config_.name},
                                     {"pid", proc->pid},
                                     {"errorType", std::string(error_type)},
                                     {"errorMessage", error_message_of(body)}});
  if (proc->current)
    complete(proc->current, InvokeStatus::kInitError, proc->init_error);
}

bool FunctionPool::on_result(const std::shared_ptr<Process>& proc, std::string_view id,
                             bool is_error, std::string_view error_type, const std::string& body) {
  auto inv = proc->current;
  if (!inv || !inv->delivered || inv->id != id)
    return false;
  if (is_error) {
    log_.warn("function error", {{"function", config_.name},
                                 {"requestId", inv->id},
                                 {"errorType", std::string(error_type)},
                                 {"errorMessage", error_message_of(body)}});
  }
  complete(inv, is_error ? InvokeStatus::kFunctionError : InvokeStatus::kOk, body);
  on_free(proc);
  return true;
}

std::string FunctionPool::function_arn() const {
  return "arn:aws:lambda:" + config_.region + ":" + config_.account_id +
         ":function:" + config_.name;
}

asio::awaitable<void> FunctionPool::serve_connection(std::shared_ptr<Process> proc,
                                                     tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(kMaxResponseBytes);
    auto [ec, n] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    (void)n;
    http::response<http::string_body> res;
    res.version(11);
    res.set(http::field::content_type, "application/json");
    bool close_after = false;
    if (ec == http::error::body_limit) {
      answer(
          res, http::status::payload_too_large,
          R"({"errorMessage":"response payload too large","errorType":"RequestEntityTooLarge"})");
      on_response_too_large(proc);
      close_after = true;
    } else if (ec) {
      co_return;
    } else {
      const auto& req = parser.get();
      std::string_view target = req.target();
      target = target.substr(0, target.find('?'));
      if (!target.starts_with(kPrefix)) {
        answer(res, http::status::not_found, kUnknownPath);
      } else {
        std::string_view rest = target.substr(kPrefix.size());
        if (req.method() == http::verb::get && rest == "invocation/next") {
          proc->asked_next = true;
          while (proc->alive && !shut_down_ && !(proc->current && !proc->current->delivered)) {
            boost::system::error_code wait_ec;
            co_await proc->wake.async_wait(asio::redirect_error(asio::use_awaitable, wait_ec));
          }
          if (!proc->alive || shut_down_)
            co_return;
          proc->current->delivered = true;
          hand_out(res, *proc->current, function_arn());
        } else if (req.method() == http::verb::post && rest == "init/error") {
          on_init_error(proc, req["Lambda-Runtime-Function-Error-Type"], req.body());
          answer(res, http::status::accepted, kAccepted);
          close_after = true;
        } else if (req.method() == http::verb::post && rest.starts_with("invocation/") &&
                   (rest.ends_with("/response") || rest.ends_with("/error"))) {
          std::string_view id = rest.substr(std::string_view("invocation/").size());
          id = id.substr(0, id.rfind('/'));
          if (on_result(proc, id, rest.ends_with("/error"),
                        req["Lambda-Runtime-Function-Error-Type"], req.body())) {
            answer(res, http::status::accepted, kAccepted);
          } else {
            answer(res, http::status::bad_request,
                   R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})");
          }
        } else {
          answer(res, http::status::not_found, kUnknownPath);
        }
        close_after = close_after || !req.keep_alive();
      }
    }
    res.keep_alive(!close_after);
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    (void)wn;
    if (!proc->init_error.empty())
      kill_process(proc);  // Lambda: the runtime exits after init/error
    if (wec || close_after)
      co_return;
  }
}

}  // namespace agm::local
