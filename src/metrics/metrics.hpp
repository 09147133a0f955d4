#pragma once
// What the functions measure, named ONCE: the CloudWatch namespace, every metric (name, unit,
// dimension sets) and every dimension. The Terraform dashboard and alarms
// (infra/modules/observability) and tests/infra/observability.test.js read the names from this
// file, so a metric renamed here and not there fails a test. docs/observability.md lists them.
//
// Each Line is one kind of EMF log line (one MetricDirective): the metrics it carries and the
// dimension sets CloudWatch aggregates them by. Keep one `{"Name", Unit::kX}` per metric and one
// `kDimX = "Name"` per dimension: the node test parses exactly those two spellings.
#include <span>
#include <string_view>

namespace agm::metrics {

inline constexpr std::string_view kNamespace = "ApiGatewayMtls";

// Dimensions. Function is the Lambda function name (AWS_LAMBDA_FUNCTION_NAME, as AWS/Lambda's
// FunctionName), or the program's name outside Lambda.
inline constexpr std::string_view kDimFunction = "Function";
// "Allow" or "Deny".
inline constexpr std::string_view kDimDecision = "Decision";
// mtls::to_string(mtls::Reason): "allowed", "cert_revoked", "token_expired", ...
inline constexpr std::string_view kDimReason = "Reason";
// The token function's outcome: "issued", or the reason of the refusal (token/handler.hpp,
// mtls/reason.hpp).
inline constexpr std::string_view kDimOutcome = "Outcome";
// "Registry" (DynamoDB), "Jwks" (Cognito's JWKS), "Cognito" (Cognito's token endpoint).
inline constexpr std::string_view kDimDependency = "Dependency";

// CloudWatch's units used here (the EMF specification allows these and more; emf.cpp checks).
enum class Unit { kCount, kMilliseconds, kNone };
std::string_view to_string(Unit unit);

struct Metric {
  std::string_view name;
  Unit unit;
};

using DimensionSet = std::span<const std::string_view>;

struct Line {
  std::span<const Metric> metrics;
  std::span<const DimensionSet> dimension_sets;
};

// The arrays the lines view (constexpr, so nothing is built at start-up).
namespace table {
inline constexpr std::string_view kByFunction[] = {kDimFunction};
inline constexpr std::string_view kByDecision[] = {kDimFunction, kDimDecision};
inline constexpr std::string_view kByReason[] = {kDimFunction, kDimDecision, kDimReason};
inline constexpr std::string_view kByOutcome[] = {kDimFunction, kDimOutcome};
inline constexpr std::string_view kByDependency[] = {kDimFunction, kDimDependency};

inline constexpr DimensionSet kFunctionSets[] = {kByFunction};
inline constexpr DimensionSet kDecisionSets[] = {kByReason, kByDecision};
inline constexpr DimensionSet kOutcomeSets[] = {kByOutcome};
inline constexpr DimensionSet kDependencySets[] = {kByDependency};

inline constexpr Metric kDecision[] = {{"AuthorizerDecision", Unit::kCount}};
inline constexpr Metric kCertificateExpiry[] = {{"ClientCertificateDaysToExpiry", Unit::kNone}};
inline constexpr Metric kToken[] = {{"TokenRequest", Unit::kCount}};
inline constexpr Metric kDependency[] = {{"DependencyLatency", Unit::kMilliseconds},
                                         {"DependencyFailure", Unit::kCount}};
inline constexpr Metric kColdStart[] = {{"ColdStart", Unit::kCount}};
inline constexpr Metric kExpiringSoon[] = {{"CertificatesExpiringSoon", Unit::kCount}};
inline constexpr Metric kRegistryExpiry[] = {{"RegistryCertificateDaysToExpiry", Unit::kNone}};
inline constexpr Metric kTruststoreExpiry[] = {{"TruststoreCaDaysToExpiry", Unit::kNone}};
inline constexpr Metric kTruststoreWarnings[] = {{"TruststoreWarnings", Unit::kCount}};
}  // namespace table

// One per authorizer decision: 1, by reason and by decision alone (the deny-spike alarm).
inline constexpr Line kDecisionLine{table::kDecision, table::kDecisionSets};
// One per allowed request: days until the presented client certificate expires (Minimum = the
// earliest expiry among the certificates in use).
inline constexpr Line kCertificateExpiryLine{table::kCertificateExpiry, table::kFunctionSets};
// One per token request: 1, by outcome.
inline constexpr Line kTokenLine{table::kToken, table::kOutcomeSets};
// One per call to a dependency: its latency, and 1 when it failed (0 otherwise, so Average is
// the failure rate).
inline constexpr Line kDependencyLine{table::kDependency, table::kDependencySets};
// One per process start (a Lambda cold start): 1.
inline constexpr Line kColdStartLine{table::kColdStart, table::kFunctionSets};
// The watcher's, one each per run (daily); a line per metric so that what a run could not
// measure (no ACTIVE certificate, no truststore configured, GetDomainName failed) is left out and
// its alarm sees missing data rather than a made-up value.
// ACTIVE registry certificates expiring within the warning window (EXPIRY_WARNING_DAYS).
inline constexpr Line kExpiringSoonLine{table::kExpiringSoon, table::kFunctionSets};
// Days until the earliest ACTIVE registry certificate expires.
inline constexpr Line kRegistryExpiryLine{table::kRegistryExpiry, table::kFunctionSets};
// Days until the earliest CA certificate of the truststore expires.
inline constexpr Line kTruststoreExpiryLine{table::kTruststoreExpiry, table::kFunctionSets};
// The custom domain's truststore warnings (API Gateway GetDomainName).
inline constexpr Line kTruststoreWarningsLine{table::kTruststoreWarnings, table::kFunctionSets};

enum class Dependency { kRegistry, kJwks, kCognito };
std::string_view to_string(Dependency dependency);

}  // namespace agm::metrics
