#include "store/internal/database_url.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>

namespace reflector::store::internal {
namespace {

// libpq parameters accepted in the URL query string.
constexpr std::array<std::string_view, 17> kPostgresParams = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "connect_timeout",
    "application_name",
    "options",
    "host",
    "port",
    "target_session_attrs",
    "gssencmode",
    "channel_binding",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
};

auto Invalid(std::string message) { return Err(Code::kInvalidArgument, std::move(message)); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    const int hi = HexValue(in[i + 1]);
    const int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// A libpq keyword/value pair with the value single-quoted and escaped.
std::string ConnParam(std::string_view key, std::string_view value) {
  std::string out(key);
  out += "='";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += "' ";
  return out;
}

Result<DatabaseUrl> ParseSqlite(std::string_view rest) {
  // rest is what follows "sqlite:".
  DatabaseUrl out;
  out.dialect = Dialect::kSqlite;
  if (rest == ":memory:" || rest == "///:memory:") {
    out.sqlite_path = ":memory:";
    out.description = "sqlite :memory:";
    return out;
  }
  if (rest.substr(0, 3) != "///") {
    return Invalid(
        "invalid sqlite URL: use sqlite:///relative/path.db or sqlite:////absolute/path.db "
        "(three slashes before the path)");
  }
  std::string_view path = rest.substr(3);
  if (path.empty()) return Invalid("invalid sqlite URL: the database file path is missing");
  if (path.find('?') != std::string_view::npos) {
    return Invalid("invalid sqlite URL: query parameters are not supported");
  }
  if (path.find('"') != std::string_view::npos) {
    return Invalid("invalid sqlite URL: the path must not contain '\"'");
  }
  if (path.back() == '/') return Invalid("invalid sqlite URL: the path names a directory");
  out.sqlite_path = std::string(path);
  out.description = "sqlite " + out.sqlite_path;
  return out;
}

Result<DatabaseUrl> ParsePostgres(std::string_view rest) {
  // rest is what follows "postgresql:".
  if (rest.substr(0, 2) != "//") {
    return Invalid(
        "invalid postgresql URL: expected postgresql://user:password@host:port/database");
  }
  rest.remove_prefix(2);
  std::string_view query;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view path;
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  std::string_view userinfo;
  std::string_view hostport = rest;
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    userinfo = rest.substr(0, at);
    hostport = rest.substr(at + 1);
  }

  std::string user;
  std::string password;
  bool has_password = false;
  if (!userinfo.empty()) {
    std::string_view user_part = userinfo;
    if (const size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
      user_part = userinfo.substr(0, colon);
      auto decoded = PercentDecode(userinfo.substr(colon + 1));
      if (!decoded) return Invalid("invalid postgresql URL: malformed %-escape in the password");
      password = *decoded;
      has_password = true;
    }
    auto decoded = PercentDecode(user_part);
    if (!decoded) return Invalid("invalid postgresql URL: malformed %-escape in the user name");
    user = *decoded;
  }

  std::string host;
  std::string_view port_text;
  if (!hostport.empty() && hostport.front() == '[') {
    const size_t close = hostport.find(']');
    if (close == std::string_view::npos) {
      return Invalid("invalid postgresql URL: unterminated '[' in the host");
    }
    host = std::string(hostport.substr(1, close - 1));
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Invalid("invalid postgresql URL: junk after the host");
      port_text = after.substr(1);
    }
  } else {
    std::string_view host_part = hostport;
    if (const size_t colon = hostport.rfind(':'); colon != std::string_view::npos) {
      host_part = hostport.substr(0, colon);
      port_text = hostport.substr(colon + 1);
      if (port_text.empty()) return Invalid("invalid postgresql URL: the port is empty");
    }
    auto decoded = PercentDecode(host_part);
    if (!decoded) return Invalid("invalid postgresql URL: malformed %-escape in the host");
    host = *decoded;
  }
  int port = 0;
  if (!port_text.empty()) {
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return Invalid("invalid postgresql URL: the port must be a number from 1 to 65535");
    }
  }
  auto dbname = PercentDecode(path);
  if (!dbname) return Invalid("invalid postgresql URL: malformed %-escape in the database name");
  if (dbname->empty()) return Invalid("invalid postgresql URL: the database name is missing");
  if (dbname->find('/') != std::string::npos) {
    return Invalid("invalid postgresql URL: the database name must not contain '/'");
  }

  DatabaseUrl out;
  out.dialect = Dialect::kPostgres;
  std::string conninfo;
  if (!host.empty()) conninfo += ConnParam("host", host);
  if (port != 0) conninfo += ConnParam("port", std::to_string(port));
  conninfo += ConnParam("dbname", *dbname);
  if (!user.empty()) conninfo += ConnParam("user", user);
  if (has_password) conninfo += ConnParam("password", password);

  bool has_connect_timeout = false;
  std::string query_host;
  while (!query.empty()) {
    std::string_view item = query;
    if (const size_t amp = query.find('&'); amp != std::string_view::npos) {
      item = query.substr(0, amp);
      query.remove_prefix(amp + 1);
    } else {
      query = {};
    }
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Invalid("invalid postgresql URL: query parameter without '=' (" +
                     std::string(item.substr(0, 40)) + ")");
    }
    const std::string_view key = item.substr(0, eq);
    bool known = false;
    for (std::string_view k : kPostgresParams) known = known || k == key;
    if (!known) {
      return Invalid("invalid postgresql URL: unsupported parameter '" +
                     std::string(key.substr(0, 40)) + "'");
    }
    auto value = PercentDecode(item.substr(eq + 1));
    if (!value) {
      return Invalid("invalid postgresql URL: malformed %-escape in parameter '" +
                     std::string(key) + "'");
    }
    if (key == "connect_timeout") has_connect_timeout = true;
    if (key == "host") query_host = *value;
    conninfo += ConnParam(key, *value);
  }
  // libpq waits forever by default; an unreachable database should fail a health check quickly.
  if (!has_connect_timeout) conninfo += ConnParam("connect_timeout", "5");
  conninfo.pop_back();  // trailing space
  out.pg_conninfo = std::move(conninfo);

  const std::string shown_host =
      !host.empty() ? host : (!query_host.empty() ? query_host : "localhost");
  out.description = "postgresql " + (user.empty() ? std::string() : user + "@") + shown_host + ":" +
                    std::to_string(port != 0 ? port : 5432) + "/" + *dbname;
  return out;
}

}  // namespace

Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url) {
  if (url.empty()) return Invalid("database URL is empty");
  const size_t colon = url.find(':');
  if (colon == std::string_view::npos) {
    return Invalid("database URL has no scheme: use sqlite:///path.db or postgresql://...");
  }
  std::string scheme(url.substr(0, colon));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // SQLAlchemy-style driver suffix: "postgresql+asyncpg", "sqlite+aiosqlite".
  if (const size_t plus = scheme.find('+'); plus != std::string::npos) scheme.resize(plus);
  const std::string_view rest = url.substr(colon + 1);
  if (scheme == "sqlite" || scheme == "sqlite3") return ParseSqlite(rest);
  if (scheme == "postgresql" || scheme == "postgres") return ParsePostgres(rest);
  return Invalid("unsupported database URL scheme '" + scheme.substr(0, 20) +
                 "': use sqlite:///path.db or postgresql://user:password@host:port/database");
}

}  // namespace reflector::store::internal
