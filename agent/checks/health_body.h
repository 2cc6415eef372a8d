#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace probity {

enum class HealthFormat {
  kUnknown,      // nothing recognisable
  kHealthJson,   // IETF draft application/health+json (pass / warn / fail)
  kSpring,       // Spring Boot Actuator {status: UP|DOWN|…, components: {…}}
  kKubernetes,   // "ok", or ?verbose lines "[+]name ok" … "livez check passed"
  kOtherJson,    // JSON with a status-like field in neither convention
};

enum class HealthState { kUnknown, kUp, kWarn, kDown };

struct HealthComponent {
  std::string name;  // e.g. "db", "redis:responseTime", "etcd"
  std::string type;  // health+json componentType, when given
  HealthState state = HealthState::kUnknown;
};

// How many components a body keeps: the rest are counted, not kept (a body
// at the size limit could list a million, and no service has that many).
inline constexpr std::size_t kMaxHealthComponents = 1000;

struct HealthBody {
  HealthFormat format = HealthFormat::kUnknown;
  HealthState state = HealthState::kUnknown;
  std::string raw_status;  // the status text as found, for details
  std::vector<HealthComponent> components;  // the first kMaxHealthComponents
  std::size_t components_listed = 0;        // entries the body lists, kept or not
};

std::string_view HealthFormatName(HealthFormat f);
std::string_view HealthStateName(HealthState s);

// Reads a health endpoint's body. Never throws; anything unrecognised is
// kUnknown. `media_type` is the response's Content-Type without parameters.
HealthBody ParseHealthBody(std::string_view media_type, std::string_view body);

}  // namespace probity
