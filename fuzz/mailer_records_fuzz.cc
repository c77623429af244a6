// What the mailer reads from disk: a site's queue file (written by the site: hostile), its retry
// and pause records and the filing journal's slots (its own, but torn by a crash or a full disk).
// Each parses or is refused; what parses serializes to text that parses back the same.
#include "fuzz/fuzz.h"
#include "mailer/delivery.h"
#include "mailer/filing_journal.h"
#include "mailer/queue_file.h"
#include "mailer/rate_limiter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace webvps;
  using namespace webvps::mailer;
  std::string_view text = fuzz::Text(data, size);
  auto envelope = ParseQueueEnvelope(text, size);
  if (envelope.ok()) {
    if (envelope->recipients.empty()) fuzz::Finding("an envelope without recipients");
    if (envelope->message_offset > size) fuzz::Finding("the message starts past the end of the file");
  }
  auto records = ParseRetryRecords(text);
  if (records.ok()) {
    std::string serialized = SerializeRetryRecords(*records);
    auto again = ParseRetryRecords(serialized);
    if (!again.ok()) fuzz::Finding("serialized retry records are refused: " + again.error().message());
    if (SerializeRetryRecords(*again) != serialized) fuzz::Finding("retry records change on a round trip");
    for (auto& [name, record] : *records) {
      // The arithmetic done on a restored record: the next delay and the give-up decision.
      RetryPolicy policy;
      (void)RecordFailure(record, AttemptOutcome{}, policy, record.next_attempt);
    }
  }
  RateLimiter limiter;
  if (limiter.RestorePauses(std::string(text)).ok()) {
    std::string serialized = limiter.SerializePauses();
    RateLimiter again;
    if (!again.RestorePauses(serialized).ok()) fuzz::Finding("serialized pauses are refused");
    if (again.SerializePauses() != serialized) fuzz::Finding("pauses change on a round trip");
    for (const auto& site : limiter.AlertsDue(FromUnixSeconds(kMaxUnixSeconds))) limiter.AlertSent(site, FromUnixSeconds(0));
  }
  auto slot = DecodeJournalSlot(text);
  if (slot.ok() && *slot) {
    std::string encoded = EncodeJournalSlot(**slot, FilingJournal::kSlotSize);
    auto again = DecodeJournalSlot(encoded);
    if (!again.ok() || !*again || !(**again == **slot)) fuzz::Finding("a journal slot changes on a round trip");
  }
  return 0;
}
