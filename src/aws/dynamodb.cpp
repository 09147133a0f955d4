#include "aws/dynamodb.hpp"

namespace agm::aws {
DynamoDb::DynamoDb(ClientConfig config)
    : client_(std::move(config), "dynamodb", "DynamoDB_20120810", "application/x-amz-json-1.0") {}
std::optional<Item> DynamoDb::get_item(const std::string&, const Item&, Deadline, bool) {
  return std::nullopt;
}
void DynamoDb::put_item(const std::string&, const Item&, Deadline,
                        const std::optional<Expression>&) {}
Item DynamoDb::update_item(const std::string&, const Item&, const Expression&, Deadline,
                           const std::optional<std::string>&) {
  return {};
}
std::vector<Item> DynamoDb::query(const std::string&, const std::string&, const Expression&,
                                  Deadline) {
  return {};
}
std::vector<Item> DynamoDb::scan(const std::string&, Deadline) {
  return {};
}
void DynamoDb::delete_item(const std::string&, const Item&, Deadline) {}
void DynamoDb::create_table(const boost::json::object&, Deadline) {}
std::optional<boost::json::object> DynamoDb::describe_table(const std::string&, Deadline) {
  return std::nullopt;
}
JsonClient& DynamoDb::client() {
  return client_;
}
}  // namespace agm::aws
