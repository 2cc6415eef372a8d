#include "http/http_client.h"

#include "core/text.h"

namespace probity {

std::string HttpResponse::Header(std::string_view name) const {
  const std::string lower = ToLower(name);
  for (const auto& [key, value] : headers) {
    if (key == lower) return value;
  }
  return "";
}

std::string HttpResponse::MediaType() const {
  std::string type = Header("content-type");
  return ToLower(Trim(std::string_view(type).substr(0, type.find(';'))));
}

}  // namespace probity
