#include "http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace reflector::http {

// One trie node per path segment position. Routes ending at a node are its leaves.
struct Router::Node {
  struct Leaf {
    Method method;
    size_t entry;                          // index into Router::entries_
    std::vector<std::string> param_names;  // in pattern order
  };

  std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
  std::unique_ptr<Node> param;
  std::vector<Leaf> leaves;

  const Leaf* FindLeaf(Method method) const {
    for (const auto& leaf : leaves) {
      if (leaf.method == method) return &leaf;
    }
    return nullptr;
  }
};

namespace {

// "/" -> {}, "/a/b" -> {"a", "b"}, "/a/" -> {"a", ""}. `path` must start with '/'.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  std::string_view rest = path.substr(1);
  if (rest.empty()) return segments;
  while (true) {
    const size_t slash = rest.find('/');
    segments.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return segments;
}

bool IsParamSegment(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

Router::Router(const Router& other)
    : entries_(other.entries_),
      fallback_(other.fallback_),
      fallback_accepts_(other.fallback_accepts_),
      root_(std::make_unique<Node>()) {
  for (size_t i = 0; i < entries_.size(); ++i) Insert(i);
}

Router& Router::operator=(const Router& other) {
  if (this != &other) {
    Router copy(other);
    *this = std::move(copy);
  }
  return *this;
}

void Router::Add(Method method, std::string pattern, Handler handler) {
  if (method == Method::kOther) throw std::invalid_argument("route method must be a known method");
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  entries_.push_back(Entry{method, std::move(pattern), std::move(handler)});
  try {
    Insert(entries_.size() - 1);
  } catch (...) {
    entries_.pop_back();
    throw;
  }
}

void Router::Insert(size_t index) {
  const Entry& entry = entries_[index];
  Node* node = root_.get();
  std::vector<std::string> names;
  for (std::string_view segment : SplitPath(entry.pattern)) {
    if (IsParamSegment(segment)) {
      std::string name(segment.substr(1, segment.size() - 2));
      if (name.empty() || name.find_first_of("{}/") != std::string::npos) {
        throw std::invalid_argument("bad parameter in route pattern: " + entry.pattern);
      }
      if (std::find(names.begin(), names.end(), name) != names.end()) {
        throw std::invalid_argument("duplicate parameter in route pattern: " + entry.pattern);
      }
      names.push_back(std::move(name));
      if (!node->param) node->param = std::make_unique<Node>();
      node = node->param.get();
      continue;
    }
    if (segment.find_first_of("{}") != std::string_view::npos) {
      throw std::invalid_argument("braces must enclose a whole segment: " + entry.pattern);
    }
    auto it = std::find_if(node->literals.begin(), node->literals.end(),
                           [&](const auto& child) { return child.first == segment; });
    if (it == node->literals.end()) {
      node->literals.emplace_back(std::string(segment), std::make_unique<Node>());
      it = std::prev(node->literals.end());
    }
    node = it->second.get();
  }
  if (node->FindLeaf(entry.method) != nullptr) {
    throw std::invalid_argument("duplicate route: " + std::string(MethodName(entry.method)) + " " +
                                entry.pattern);
  }
  node->leaves.push_back(Node::Leaf{entry.method, index, std::move(names)});
}

Router::Match Router::Find(Method method, std::string_view path) const {
  Match match;
  if (path.empty() || path.front() != '/') return match;

  std::vector<std::string> segments;
  for (std::string_view raw : SplitPath(path)) {
    segments.push_back(PercentDecode(raw, /*plus_as_space=*/false));
  }

  std::vector<std::string_view> values;   // captured parameter values so far
  std::vector<const Node*> path_matches;  // nodes whose path matched but not the method (405)
  const Node::Leaf* found = nullptr;

  // Depth-first, literal children before the parameter child, so the first full match is the
  // most literal one.
  auto visit = [&](auto& self, const Node& node, size_t depth) -> bool {
    if (depth == segments.size()) {
      if (node.leaves.empty()) return false;
      const Node::Leaf* leaf = node.FindLeaf(method);
      if (leaf == nullptr && method == Method::kHead) leaf = node.FindLeaf(Method::kGet);
      if (leaf != nullptr) {
        found = leaf;
        return true;
      }
      path_matches.push_back(&node);
      return false;
    }
    const std::string& segment = segments[depth];
    for (const auto& [literal, child] : node.literals) {
      if (literal == segment && self(self, *child, depth + 1)) return true;
    }
    if (node.param && !segment.empty()) {
      values.push_back(segment);
      if (self(self, *node.param, depth + 1)) return true;
      values.pop_back();
    }
    return false;
  };

  if (visit(visit, *root_, 0)) {
    const Entry& entry = entries_[found->entry];
    match.handler = &entry.handler;
    match.route = entry.pattern;
    match.params.reserve(found->param_names.size());
    for (size_t i = 0; i < found->param_names.size(); ++i) {
      match.params.emplace_back(found->param_names[i], std::string(values[i]));
    }
    return match;
  }

  if (path_matches.empty()) {  // 404, unless a fallback takes GET/HEAD
    if (fallback_ && (method == Method::kGet || method == Method::kHead) &&
        (!fallback_accepts_ || fallback_accepts_(path))) {
      match.handler = &fallback_;
      match.route = std::string(kFallbackRoute);
    }
    return match;
  }
  bool allowed[static_cast<size_t>(Method::kOther) + 1] = {};
  for (const Node* node : path_matches) {
    for (const auto& leaf : node->leaves) {
      allowed[static_cast<size_t>(leaf.method)] = true;
    }
  }
  allowed[static_cast<size_t>(Method::kHead)] |= allowed[static_cast<size_t>(Method::kGet)];
  for (size_t i = 0; i < static_cast<size_t>(Method::kOther); ++i) {
    if (allowed[i]) match.allowed.push_back(static_cast<Method>(i));
  }
  match.route = entries_[path_matches.front()->leaves.front().entry].pattern;
  return match;
}

void Router::SetFallback(Handler handler, PathFilter accepts) {
  fallback_ = std::move(handler);
  fallback_accepts_ = std::move(accepts);
}

std::vector<std::pair<Method, std::string>> Router::Routes() const {
  std::vector<std::pair<Method, std::string>> routes;
  routes.reserve(entries_.size());
  for (const auto& entry : entries_) routes.emplace_back(entry.method, entry.pattern);
  return routes;
}

}  // namespace reflector::http
