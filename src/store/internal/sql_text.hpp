// Lexical helpers over SQL text. Internal to store/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reflector::store::internal {

// The `:name` placeholders of `sql`, in order of appearance (repeats included). Skips quoted
// strings and identifiers, comments, $tag$-quoted bodies and the `::` cast operator.
std::vector<std::string> PlaceholderNames(std::string_view sql);

// `sql` with every placeholder `:name` (as PlaceholderNames finds them) renamed `:name<suffix>`.
std::string RenamePlaceholders(std::string_view sql, std::string_view suffix);

}  // namespace reflector::store::internal
