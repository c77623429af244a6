#include "site_config.h"

#include <charconv>
#include <sstream>

#include "names.h"

namespace webvps::phpserver_init {
namespace {

bool IsPhpSize(const std::string& value) {
  if (value.empty() || value.size() > 12) return false;
  size_t digits = 0;
  while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9') ++digits;
  if (digits == 0) return false;
  std::string_view unit = std::string_view(value).substr(digits);
  return unit.empty() || unit == "K" || unit == "M" || unit == "G" || unit == "k" || unit == "m" || unit == "g";
}

bool IsTimeZone(const std::string& value) {
  if (value.empty() || value.size() > 64 || value.find("..") != std::string::npos || value.front() == '/') return false;
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '_' ||
              c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<SiteEnvironment> ReadSiteEnvironment(const EnvironmentLookup& environment) {
  SiteEnvironment site;
  std::vector<std::string> problems;
  auto get = [&](const char* name) { return environment(name).value_or(""); };

  site.worker_name = get("WORKER_NAME");
  if (!site.worker_name.empty() && !IsValidSiteName(site.worker_name)) {
    problems.push_back("WORKER_NAME=" + QuoteForMessage(site.worker_name) + ": not a site name ([a-z][a-z0-9-]{0,31})");
  }
  if (std::string uid = get("WORKER_UID"); !uid.empty()) {
    auto [end, error] = std::from_chars(uid.data(), uid.data() + uid.size(), site.worker_uid);
    if (error != std::errc() || end != uid.data() + uid.size() || site.worker_uid < 1 || site.worker_uid > 65533) {
      problems.push_back("WORKER_UID=" + QuoteForMessage(uid) + ": expected a uid from 1 to 65533");
    }
  }
  site.host = LowerCase(get("HOST_DOMAIN_NAME"));
  if (!site.host.empty()) {
    if (auto problem = HostNameProblem(site.host)) problems.push_back("HOST_DOMAIN_NAME=" + QuoteForMessage(site.host) + ": " + *problem);
  }
  for (std::string alias : SplitList(get("HOST_DOMAIN_ALIAS"))) {
    alias = LowerCase(alias);
    if (auto problem = HostNameProblem(alias)) {
      problems.push_back("HOST_DOMAIN_ALIAS: " + QuoteForMessage(alias) + ": " + *problem);
    } else if (alias != site.host) {
      site.aliases.push_back(alias);
    }
  }
  site.server_mail = get("SERVER_MAIL");
  if (!site.server_mail.empty()) {
    if (auto problem = EmailProblem(site.server_mail)) problems.push_back("SERVER_MAIL=" + QuoteForMessage(site.server_mail) + ": " + *problem);
  }
  if (std::string zone = get("PHP_TIME_ZONE"); !zone.empty()) {
    if (IsTimeZone(zone)) site.php_time_zone = zone;
    else problems.push_back("PHP_TIME_ZONE=" + QuoteForMessage(zone) + ": expected a zone name like Europe/Paris");
  }
  struct SizeSetting {
    const char* variable;
    std::string* target;
  } sizes[] = {{"PHP_MEMORY_LIMIT", &site.php_memory_limit},
               {"PHP_UPLOAD_MAX_FILESIZE", &site.php_upload_max_filesize},
               {"PHP_POST_MAX_SIZE", &site.php_post_max_size}};
  for (const auto& setting : sizes) {
    std::string value = get(setting.variable);
    if (value.empty()) continue;
    if (IsPhpSize(value)) *setting.target = value;
    else problems.push_back(std::string(setting.variable) + "=" + QuoteForMessage(value) + ": expected a size like 128M");
  }
  if (!problems.empty()) {
    std::string message;
    for (const auto& problem : problems) message += (message.empty() ? "" : "\n") + problem;
    return Error(message);
  }
  return site;
}

std::string RenderDefaultVhost(const SiteEnvironment& site, const std::string& site_dir,
                               const std::string& certificate_base) {
  std::string names = "    ServerName " + site.host + "\n";
  if (!site.aliases.empty()) {
    names += "    ServerAlias";
    for (const auto& alias : site.aliases) names += " " + alias;
    names += "\n";
  }
  std::string common = names;
  if (!site.server_mail.empty()) common += "    ServerAdmin " + site.server_mail + "\n";
  common += "    DocumentRoot " + site_dir + "/html\n"
            "    ErrorLog " + site_dir + "/logs/error.log\n"
            "    CustomLog " + site_dir + "/logs/access.log combined\n"
            "    <Directory " + site_dir + "/html>\n"
            "        Options -Indexes +FollowSymLinks\n"
            "        AllowOverride All\n"
            "        Require all granted\n"
            "    </Directory>\n"
            "    ScriptAlias /cgi-bin/ " + site_dir + "/cgi-bin/\n";
  std::string text = "# Written by phpserver-init because the site had no vhost. Edit it freely, then create\n"
                     "# conf/apache2.reload: the change is tested first, and conf/apache2.reload.error says why\n"
                     "# when it is refused.\n"
                     "<VirtualHost *:80>\n" + common + "</VirtualHost>\n";
  if (!certificate_base.empty()) {
    text += "\n<IfModule mod_ssl.c>\n<VirtualHost *:443>\n" + common +
            "    SSLEngine on\n"
            "    SSLCertificateFile " + certificate_base + ".crt\n"
            "    SSLCertificateKeyFile " + certificate_base + ".key\n"
            "</VirtualHost>\n</IfModule>\n";
  }
  return text;
}

std::string RenderPhpIni(const SiteEnvironment& site, const std::string& sessions_dir) {
  return "; Written by phpserver-init from the container's environment.\n"
         "date.timezone = " + site.php_time_zone + "\n"
         "memory_limit = " + site.php_memory_limit + "\n"
         "upload_max_filesize = " + site.php_upload_max_filesize + "\n"
         "post_max_size = " + site.php_post_max_size + "\n"
         "expose_php = Off\n"
         "sendmail_path = /usr/sbin/sendmail -t -i\n"
         "session.save_path = \"" + sessions_dir + "\"\n"
         "session.gc_probability = 1\n"
         "session.gc_divisor = 1000\n";
}

Result<std::string> RemapAccount(const std::string& text, const std::string& user, int id, bool is_passwd) {
  std::stringstream in(text);
  std::string out;
  bool found = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(user + ":")) {
      // name:password:uid:gid:... (passwd) or name:password:gid:members (group)
      std::vector<std::string> fields;
      std::stringstream split(line);
      for (std::string field; std::getline(split, field, ':');) fields.push_back(field);
      if (line.ends_with(":")) fields.emplace_back();
      if (fields.size() < (is_passwd ? 7u : 4u)) return Error("malformed entry for " + user);
      fields[2] = std::to_string(id);
      if (is_passwd) fields[3] = std::to_string(id);
      line.clear();
      for (size_t i = 0; i < fields.size(); ++i) line += (i ? ":" : "") + fields[i];
      found = true;
    }
    out += line + "\n";
  }
  if (!found) return Error("no entry for " + user);
  return out;
}

std::vector<std::string> SelfSignedCertificateCommand(const SiteEnvironment& site, const std::string& key_path,
                                                      const std::string& certificate_path) {
  std::string names = "subjectAltName=DNS:" + site.host;
  for (const auto& alias : site.aliases) names += ",DNS:" + alias;
  return {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-days", "825", "-subj", "/CN=" + site.host, "-addext", names, "-addext", "basicConstraints=critical,CA:FALSE",
          "-keyout", key_path, "-out", certificate_path};
}

std::string RenderPlaceholderPage(const SiteEnvironment& site) {
  std::string name = site.host.empty() ? "this site" : site.host;
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + name +
         "</title></head>\n<body><h1>" + name + "</h1><p>The site is ready: upload its files into <code>html/</code> over SFTP.</p></body></html>\n";
}

}  // namespace webvps::phpserver_init
