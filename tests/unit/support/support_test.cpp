// The test helpers are used by every other test, so they get a test of their own.
#include <gtest/gtest.h>

#include "support/loopback_server.hpp"
#include "support/process.hpp"

namespace agm::test {
namespace {

TEST(ChildProcess, StopsAndReapsTheChild) {
  ChildProcess sleeper({"sleep", "30"});
  EXPECT_TRUE(sleeper.running());
  sleeper.stop();
  EXPECT_FALSE(sleeper.running());
}

TEST(ChildProcess, ReportsExitStatus) {
  ChildProcess p({"sh", "-c", "exit 3"});
  const auto st = p.wait_for(std::chrono::seconds(5));
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(WEXITSTATUS(*st), 3);
}

TEST(LoopbackServer, AnswersAndRecordsOverKeepAlive) {
  LoopbackServer server([](const HttpRequest& r) {
    return HttpResponse{201, {{"x-echo", r.method}}, r.body, {}, false};
  });
  ChildProcess curl({"curl", "-s", "-o", "/dev/null", "-X", "POST", "-d", "hello",
                     server.url() + "/a", server.url() + "/b"});
  ASSERT_TRUE(curl.wait_for(std::chrono::seconds(10)).has_value());
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2U);
  EXPECT_EQ(reqs[0].target, "/a");
  EXPECT_EQ(reqs[1].body, "hello");
  EXPECT_EQ(server.connections_accepted(), 1U) << "curl reuses the connection";
}

}  // namespace
}  // namespace agm::test
