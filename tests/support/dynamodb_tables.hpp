#pragma once
// DynamoDB table set-up for the tests against dynalite. The product never creates or describes
// tables (Terraform does): these calls exist for tests only.
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "aws/dynamodb.hpp"

namespace agm::test {

// DescribeTable's "Table" description; nullopt on ResourceNotFoundException.
std::optional<boost::json::object> describe_table(aws::DynamoDb& db, const std::string& table);

// CreateTable with `request`, then waits until the table is ACTIVE: dynalite creates tables
// asynchronously (CREATING, then ACTIVE), like DynamoDB. Throws std::runtime_error when it is
// not ACTIVE within `give_up`.
void create_table_and_wait(aws::DynamoDb& db, const boost::json::object& request,
                           std::chrono::seconds give_up = std::chrono::seconds(20));

}  // namespace agm::test
