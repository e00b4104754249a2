// A JSON text writer for hot response paths: appends straight to a string, with no document tree
// and no allocation per value. Output is compact (no spaces). Strings are escaped per RFC 8259;
// bytes that are not valid UTF-8 become U+FFFD, as the tree-based responses do.
//
//   JsonWriter w;
//   w.BeginObject().Key("id").String(id).Key("n").Int(3).EndObject();
//   send(w.str());
//
// The caller keeps the structure well formed (keys inside objects, balanced Begin/End); commas are
// placed by the writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reflector {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& OptString(const std::optional<std::string>& value);
  JsonWriter& Int(int64_t value);
  JsonWriter& OptInt(const std::optional<int64_t>& value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Inserts already-serialised JSON text as one value (trusted: not validated).
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }
  void Reserve(size_t bytes) { out_.reserve(bytes); }

 private:
  void BeforeValue();
  void AppendEscaped(std::string_view text);

  std::string out_;
  // Per open container: whether it already holds an element (a comma is due before the next).
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

}  // namespace reflector
