#pragma once
// DynamoDB (JSON 1.0, target prefix DynamoDB_20120810). Items are in DynamoDB's wire format:
// {"thumbprint":{"S":"ab.."},"scopes":{"SS":["a"]}}.
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.hpp"

namespace agm::aws {

using Item = boost::json::object;

struct Expression {
  std::string text;
  boost::json::object names;   // "#s" -> "status"
  boost::json::object values;  // ":a" -> {"S":"ACTIVE"}
};

// A failed condition throws AwsError with code() == "ConditionalCheckFailedException".
class DynamoDb {
 public:
  explicit DynamoDb(ClientConfig config);  // signing service "dynamodb"

  std::optional<Item> get_item(const std::string& table, const Item& key, Deadline deadline,
                               bool consistent_read = false);
  void put_item(const std::string& table, const Item& item, Deadline deadline,
                const std::optional<Expression>& condition = std::nullopt);
  // `update.text` is the UpdateExpression; its names/values are shared with `condition_text`.
  // Returns the item after the update (ReturnValues ALL_NEW).
  Item update_item(const std::string& table, const Item& key, const Expression& update,
                   Deadline deadline,
                   const std::optional<std::string>& condition_text = std::nullopt);
  // `index_name` empty: the table itself. Follows LastEvaluatedKey.
  std::vector<Item> query(const std::string& table, const std::string& index_name,
                          const Expression& key_condition, Deadline deadline);
  std::vector<Item> scan(const std::string& table, Deadline deadline);  // follows LastEvaluatedKey
  void delete_item(const std::string& table, const Item& key, Deadline deadline);

  JsonClient& client();

 private:
  JsonClient client_;
};

}  // namespace agm::aws
