#include "aws/dynamodb.hpp"

#include <utility>

namespace agm::aws {

namespace {

namespace json = boost::json;

// A bound on pagination so a misbehaving endpoint that keeps returning LastEvaluatedKey cannot
// keep us looping forever (the deadline bounds each call, not the number of calls).
constexpr int kMaxPages = 10000;

void add_expression_maps(json::object& request, const Expression& e) {
  if (!e.names.empty()) {
    request["ExpressionAttributeNames"] = e.names;
  }
  if (!e.values.empty()) {
    request["ExpressionAttributeValues"] = e.values;
  }
}

[[noreturn]] void bad_answer(const std::string& action, const std::string& what) {
  throw AwsError("InvalidResponse", "DynamoDB " + action + ": " + what, 200, false);
}

const json::object& as_object(const json::value& v, const std::string& action) {
  if (!v.is_object()) {
    bad_answer(action, "answer is not a JSON object");
  }
  return v.get_object();
}

std::vector<Item> paginate(JsonClient& client, const std::string& action, json::object request,
                           Deadline deadline) {
  std::vector<Item> items;
  for (int page = 0; page < kMaxPages; ++page) {
    const json::value answer = client.call(action, request, deadline);
    const json::object& obj = as_object(answer, action);
    if (const auto* list = obj.if_contains("Items")) {
      if (!list->is_array()) {
        bad_answer(action, "Items is not an array");
      }
      for (const auto& item : list->get_array()) {
        if (!item.is_object()) {
          bad_answer(action, "an item is not an object");
        }
        items.push_back(item.get_object());
      }
    }
    const auto* last = obj.if_contains("LastEvaluatedKey");
    if (last == nullptr || last->is_null()) {
      return items;
    }
    if (!last->is_object()) {
      bad_answer(action, "LastEvaluatedKey is not an object");
    }
    request["ExclusiveStartKey"] = *last;
  }
  bad_answer(action, "more than " + std::to_string(kMaxPages) + " pages");
}

}  // namespace

DynamoDb::DynamoDb(ClientConfig config)
    : client_(std::move(config), "dynamodb", "DynamoDB_20120810", "application/x-amz-json-1.0") {}

JsonClient& DynamoDb::client() {
  return client_;
}

std::optional<Item> DynamoDb::get_item(const std::string& table, const Item& key, Deadline deadline,
                                       bool consistent_read) {
  json::object request{{"TableName", table}, {"Key", key}};
  if (consistent_read) {
    request["ConsistentRead"] = true;
  }
  const json::value answer = client_.call("GetItem", request, deadline);
  const auto* item = as_object(answer, "GetItem").if_contains("Item");
  if (item == nullptr || item->is_null()) {
    return std::nullopt;
  }
  if (!item->is_object()) {
    bad_answer("GetItem", "Item is not an object");
  }
  return item->get_object();
}

void DynamoDb::put_item(const std::string& table, const Item& item, Deadline deadline,
                        const std::optional<Expression>& condition) {
  json::object request{{"TableName", table}, {"Item", item}};
  if (condition) {
    request["ConditionExpression"] = condition->text;
    add_expression_maps(request, *condition);
  }
  client_.call("PutItem", request, deadline);
}

Item DynamoDb::update_item(const std::string& table, const Item& key, const Expression& update,
                           Deadline deadline, const std::optional<std::string>& condition_text) {
  json::object request{{"TableName", table},
                       {"Key", key},
                       {"UpdateExpression", update.text},
                       {"ReturnValues", "ALL_NEW"}};
  if (condition_text) {
    request["ConditionExpression"] = *condition_text;
  }
  add_expression_maps(request, update);
  const json::value answer = client_.call("UpdateItem", request, deadline);
  const auto* attributes = as_object(answer, "UpdateItem").if_contains("Attributes");
  if (attributes == nullptr || !attributes->is_object()) {
    bad_answer("UpdateItem", "no Attributes in the answer");
  }
  return attributes->get_object();
}

std::vector<Item> DynamoDb::query(const std::string& table, const std::string& index_name,
                                  const Expression& key_condition, Deadline deadline) {
  json::object request{{"TableName", table}, {"KeyConditionExpression", key_condition.text}};
  if (!index_name.empty()) {
    request["IndexName"] = index_name;
  }
  add_expression_maps(request, key_condition);
  return paginate(client_, "Query", std::move(request), deadline);
}

std::vector<Item> DynamoDb::scan(const std::string& table, Deadline deadline) {
  return paginate(client_, "Scan", json::object{{"TableName", table}}, deadline);
}

void DynamoDb::delete_item(const std::string& table, const Item& key, Deadline deadline) {
  client_.call("DeleteItem", json::object{{"TableName", table}, {"Key", key}}, deadline);
}

}  // namespace agm::aws
