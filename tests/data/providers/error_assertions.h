#pragma once
// Assertions on typed errors returned by provider parsers.
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "core/result.h"

namespace ltl::testing {

// The result is an error of `category` from provider/operation whose message starts "<field>:".
template <class T>
::testing::AssertionResult IsError(const Result<T>& result, ErrorCategory category, std::string_view provider,
                                   std::string_view operation, std::string_view field) {
  if (result.ok()) return ::testing::AssertionFailure() << "parsed successfully; expected an error";
  const Error& error = result.error();
  if (error.category != category)
    return ::testing::AssertionFailure() << "category " << to_string(error.category) << " (" << error.message
                                         << "); expected " << to_string(category);
  if (error.provider != provider || error.operation != operation)
    return ::testing::AssertionFailure() << "provider/operation " << error.provider << "/" << error.operation
                                         << "; expected " << provider << "/" << operation;
  const std::string prefix = std::string(field) + ":";
  if (error.message.rfind(prefix, 0) != 0)
    return ::testing::AssertionFailure() << "message \"" << error.message << "\" does not start with \"" << prefix
                                         << "\"";
  return ::testing::AssertionSuccess();
}

template <class T>
::testing::AssertionResult IsParseError(const Result<T>& result, std::string_view provider,
                                        std::string_view operation, std::string_view field) {
  return IsError(result, ErrorCategory::parse, provider, operation, field);
}

// One malformed-body case for parameterised tests: the message must name `field`.
struct BadBody {
  const char* name;
  std::string body;
  std::string field;
};

inline void PrintTo(const BadBody& c, std::ostream* os) { *os << c.name; }

inline std::string BadBodyName(const ::testing::TestParamInfo<BadBody>& info) { return info.param.name; }

}  // namespace ltl::testing
