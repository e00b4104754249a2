#include "pipeline/multipart.hpp"

#include <algorithm>
#include <random>

namespace reflector::pipeline {
namespace {

std::string RandomBoundary() {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<int> pick(0, 35);
  std::string boundary = "----reflector-";
  for (int i = 0; i < 24; ++i) boundary.push_back(kAlphabet[pick(rng)]);
  return boundary;
}

}  // namespace

MultipartBody BuildMultipart(const std::vector<MultipartField>& fields) {
  std::string boundary;
  do {
    boundary = RandomBoundary();
  } while (std::any_of(fields.begin(), fields.end(), [&](const MultipartField& f) {
    return f.content.find(boundary) != std::string_view::npos;
  }));

  std::size_t size = boundary.size() + 8;
  for (const auto& f : fields) size += f.content.size() + f.name.size() + f.filename.size() + 160;
  MultipartBody out;
  out.content_type = "multipart/form-data; boundary=" + boundary;
  out.body.reserve(size);
  for (const auto& f : fields) {
    out.body += "--";
    out.body += boundary;
    out.body += "\r\nContent-Disposition: form-data; name=\"";
    out.body += f.name;
    out.body += '"';
    if (!f.filename.empty()) {
      out.body += "; filename=\"";
      out.body += f.filename;
      out.body += '"';
    }
    out.body += "\r\n";
    if (!f.content_type.empty()) {
      out.body += "Content-Type: ";
      out.body += f.content_type;
      out.body += "\r\n";
    }
    out.body += "\r\n";
    out.body += f.content;
    out.body += "\r\n";
  }
  out.body += "--";
  out.body += boundary;
  out.body += "--\r\n";
  return out;
}

}  // namespace reflector::pipeline
