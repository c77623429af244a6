// nginx's config grammar, as ngx_conf_read_token reads it, for tests and fuzzing: the oracle that
// says which directives a rendered config really holds, so that no value a container gives can
// bring a directive, end one early or open a block. Whitespace separates words; '#' at the start
// of a word comments out the line; ';' ends a directive, '{' opens a block, '}' closes one; a word
// may be quoted with " or '; a backslash makes the next character part of the word, in quotes or
// not; "${" does not open a block.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace webvps::proxy_gen::testing {

struct NginxDirective {
  std::vector<std::string> words;  ///< the name, then the arguments (quotes removed, escapes kept)
  bool has_block = false;
  std::vector<NginxDirective> block;
};

struct NginxParse {
  std::vector<NginxDirective> directives;
  std::optional<std::string> error;  ///< set when nginx would refuse the text
};

inline NginxParse ParseNginxConfig(std::string_view text) {
  NginxParse result;
  std::vector<std::vector<NginxDirective>*> stack = {&result.directives};
  std::vector<std::string> words;
  size_t i = 0;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  auto fail = [&](const std::string& why) {
    result.error = why + " at offset " + std::to_string(i);
    return result;
  };
  while (i < text.size()) {
    char c = text[i];
    if (space(c)) {
      ++i;
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == ';' || c == '{') {
      if (words.empty()) return fail(std::string("unexpected '") + c + "'");
      stack.back()->push_back({std::move(words), c == '{', {}});
      words.clear();
      if (c == '{') stack.push_back(&stack.back()->back().block);
      ++i;
      continue;
    }
    if (c == '}') {
      if (!words.empty()) return fail("unexpected '}' (a directive without ';')");
      if (stack.size() == 1) return fail("unexpected '}'");
      stack.pop_back();
      ++i;
      continue;
    }
    std::string word;
    if (c == '"' || c == '\'') {
      char quote = c;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          word += text.substr(i, 2);
          i += 2;
          continue;
        }
        if (text[i] == quote) {
          closed = true;
          ++i;
          break;
        }
        word += text[i++];
      }
      if (!closed) return fail("unterminated quoted string");
      if (i < text.size() && !space(text[i]) && text[i] != ';' && text[i] != '{' && text[i] != ')') {
        return fail("unexpected character after a quoted string");
      }
    } else {
      while (i < text.size()) {
        char d = text[i];
        if (d == '\\' && i + 1 < text.size()) {
          word += text.substr(i, 2);
          i += 2;
          continue;
        }
        if (d == '{' && !word.empty() && word.back() == '$') {
          word += d;
          ++i;
          continue;
        }
        if (space(d) || d == ';' || d == '{' || d == '}') break;
        word += d;
        ++i;
      }
    }
    words.push_back(std::move(word));
  }
  if (!words.empty()) return fail("unexpected end of file, expecting ';' or '}'");
  if (stack.size() != 1) return fail("unexpected end of file, expecting '}'");
  return result;
}

/// What is wrong with a config proxy-gen rendered for `hosts`, read as nginx reads it: any
/// directive it never writes, in the place it writes it, or a server_name other than one word
/// that is one of `hosts` (or "_"). nullopt when it is the shape proxy-gen renders.
inline std::optional<std::string> RenderedShapeProblem(std::string_view config, const std::set<std::string>& hosts) {
  NginxParse parsed = ParseNginxConfig(config);
  if (parsed.error) return "nginx would not read it: " + *parsed.error;
  static const std::set<std::string> kTop = {"map", "geo", "proxy_http_version", "proxy_buffering", "proxy_set_header",
                                             "proxy_buffer_size", "proxy_buffers", "proxy_busy_buffers_size",
                                             "proxy_max_temp_file_size", "proxy_connect_timeout", "proxy_send_timeout",
                                             "proxy_read_timeout", "gzip", "gzip_proxied", "gzip_vary", "gzip_comp_level",
                                             "gzip_min_length", "gzip_types", "upstream", "server", "log_format",
                                             "access_log", "resolver", "include", "real_ip_header",
                                             "set_real_ip_from"};
  static const std::set<std::string> kServer = {"listen", "server_name", "return", "ssl_reject_handshake", "ssl_certificate",
                                                "ssl_certificate_key", "ssl_protocols", "ssl_session_cache", "add_header",
                                                "include", "location", "error_page", "ssl_client_certificate",
                                                "ssl_verify_client", "ssl_crl"};
  static const std::set<std::string> kLocation = {"deny", "include", "proxy_pass", "uwsgi_pass", "fastcgi_pass", "grpc_pass",
                                                  "auth_basic", "auth_basic_user_file", "root", "try_files", "return",
                                                  "default_type", "add_header", "internal", "alias"};
  auto where = [](const NginxDirective& d) { return "'" + d.words.front() + "'"; };
  for (const auto& top : parsed.directives) {
    if (!kTop.contains(top.words.front())) return "top-level directive " + where(top);
    if (top.words.front() == "upstream") {
      if (top.words.size() != 2 || !top.has_block) return "upstream of " + std::to_string(top.words.size()) + " words";
      for (const auto& inner : top.block) {
        const std::string& name = inner.words.front();
        bool known = (name == "server" && inner.words.size() <= 4) ||
                     ((name == "keepalive" || name == "keepalive_timeout") && inner.words.size() == 2) ||
                     ((name == "least_conn" || name == "ip_hash" || name == "random" || name == "hash") && inner.words.size() <= 3);
        if (!known || inner.has_block) return "in an upstream: " + where(inner);
      }
    }
    if (top.words.front() != "server") continue;
    if (!top.has_block || top.words.size() != 1) return "a server directive that is not a block";
    for (const auto& inner : top.block) {
      const std::string& name = inner.words.front();
      if (!kServer.contains(name)) return "in a server block: " + where(inner);
      if (name == "server_name" && (inner.words.size() != 2 || (inner.words[1] != "_" && !hosts.contains(inner.words[1])))) {
        std::string got;
        for (size_t w = 1; w < inner.words.size(); ++w) got += (w > 1 ? " | " : "") + inner.words[w];
        return "server_name is not one of the hosts: " + got;
      }
      if (name == "location") {
        if (!inner.has_block) return "a location that is not a block";
        for (const auto& deep : inner.block) {
          // NON_GET_REDIRECT's `if (...) { return ...; }`, and nothing else opens a block there.
          if (deep.words.front() == "if" && deep.has_block && deep.block.size() == 1 && deep.block[0].words.front() == "return" &&
              !deep.block[0].has_block) {
            continue;
          }
          if (!kLocation.contains(deep.words.front()) || deep.has_block) return "in a location: " + where(deep);
        }
      } else if (inner.has_block) {
        return "a block opened by " + where(inner);
      }
    }
  }
  return std::nullopt;
}

}  // namespace webvps::proxy_gen::testing
