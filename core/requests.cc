#include "core/requests.h"

#include "core/text.h"

namespace aio {
namespace {

Status check_target_length(std::string_view target) {
  if (target.size() <= kMaxTarget) return Status::ok();
  return Status::invalid("target longer than " + std::to_string(kMaxTarget) + " bytes: '" +
                         excerpt(target) + "'");
}

}  // namespace

Result<ClaimType> parse_claim_kind(std::string_view word) {
  if (auto t = parse_claim_type(word)) return *t;
  return Status::invalid("unknown claim type '" + excerpt(word) +
                         "' (expected file, directory, pattern or task)");
}

Result<ClaimWords> parse_claim_line(std::string_view line) {
  constexpr std::string_view kBlank = " \t";
  size_t start = line.find_first_not_of(kBlank);
  size_t end = line.find_last_not_of(std::string_view(" \t\r"));
  if (start == std::string_view::npos) return Status::invalid("empty line");
  line = line.substr(start, end - start + 1);
  size_t sp = line.find_first_of(kBlank);
  if (sp == std::string_view::npos)
    return Status::invalid("'" + excerpt(line) +
                           "': expected 'file|directory|pattern|task TARGET'");
  auto type = parse_claim_kind(line.substr(0, sp));
  if (!type) return type.status();
  std::string_view target = line.substr(line.find_first_not_of(kBlank, sp));
  AIO_RETURN_IF_ERROR(check_target_length(target));
  return ClaimWords{*type, std::string(target)};
}

Result<ClaimOutcome> claim_input(Txn& t, const Instance& me, ClaimType type, std::string_view input,
                                 const std::string& cwd, const KindProbe& probe, const Clock& c) {
  AIO_RETURN_IF_ERROR(check_target_length(input));
  auto target = canonical_target(type, input, me.project, cwd);
  if (!target) return target.status();
  return claim_stored(t, me, type, *target, probe, c);
}

Result<ClaimOutcome> claim_stored(Txn& t, const Instance& me, ClaimType type,
                                  const std::string& target, const KindProbe& probe,
                                  const Clock& c) {
  AIO_RETURN_IF_ERROR(check_target_length(target));
  if (type == ClaimType::kFile || type == ClaimType::kDirectory)
    AIO_RETURN_IF_ERROR(check_target_kind(type, target, probe(target)));
  return grant_claim(t, me, type, target, c);
}

}  // namespace aio
