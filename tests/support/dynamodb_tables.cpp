#include "support/dynamodb_tables.hpp"

#include <stdexcept>
#include <thread>

#include "aws/client.hpp"
#include "core/json.hpp"

namespace agm::test {

namespace {

aws::Deadline soon() {
  return std::chrono::steady_clock::now() + std::chrono::seconds(5);
}

}  // namespace

std::optional<boost::json::object> describe_table(aws::DynamoDb& db, const std::string& table) {
  boost::json::value answer;
  try {
    answer = db.client().call("DescribeTable", boost::json::object{{"TableName", table}}, soon());
  } catch (const aws::AwsError& e) {
    if (e.code() == "ResourceNotFoundException")  // the AWS error code, as AWS names it
      return std::nullopt;
    throw;
  }
  const auto* description = answer.is_object() ? answer.get_object().if_contains("Table") : nullptr;
  if (description == nullptr || !description->is_object())
    throw std::runtime_error("DescribeTable: no Table in the answer");
  return description->get_object();
}

void create_table_and_wait(aws::DynamoDb& db, const boost::json::object& request,
                           std::chrono::seconds give_up) {
  db.client().call("CreateTable", request, soon());
  const std::string table(request.at("TableName").as_string());
  const auto until = std::chrono::steady_clock::now() + give_up;
  for (;;) {
    const auto d = describe_table(db, table);
    if (d && core::get_string(boost::json::value(*d), "TableStatus") == "ACTIVE")
      return;
    if (std::chrono::steady_clock::now() > until)
      throw std::runtime_error("table " + table + " never became ACTIVE");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace agm::test
