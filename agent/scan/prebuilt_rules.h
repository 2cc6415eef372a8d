#pragma once

namespace probity {

// Hands the built-in rules' database that the build compiled (the generated
// prebuilt_rules.cc, written by prebuilt_rules_main.cc) to
// UsePrebuiltRulesDatabase. Called once, first thing in main().
void UsePrebuiltRules();

}  // namespace probity
