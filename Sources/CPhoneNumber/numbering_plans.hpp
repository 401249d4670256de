// NumberingPlans: libphonenumber's compiled-in metadata, with its patterns compiled on first use as
// DigitPatterns, and the length, type and validity checks libphonenumber makes with them.
// fastNormalize: libphonenumber's Parse, IsPossibleNumber and IsValidNumber, step for step, for
// numbers typed with digits, a leading + and the punctuation - . ( ) / and space. Any other
// shape, a pattern outside DigitPattern's subset or a search past its budget is Declined, and
// the caller asks libphonenumber itself; the differential test holds the two answers equal.
#ifndef CXV_NUMBERING_PLANS_HPP
#define CXV_NUMBERING_PLANS_HPP

#include "digit_pattern.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace i18n { namespace phonenumbers { class PhoneMetadataCollection; } }

namespace cxv {

/// Thrown when the fast path cannot answer exactly as libphonenumber would.
struct Declined {};

/// One PhoneNumberDesc: the pattern a number of this type matches, and its lengths.
struct NumberDesc {
    std::unique_ptr<DigitPattern> pattern;  // null when the metadata gives none: nothing matches
    std::vector<int> lengths;               // empty: the general description's
    std::vector<int> localLengths;

    bool matches(const std::string &number) const;           // IsMatch: the pattern alone
    bool matchesWithLength(const std::string &number) const;  // IsNumberMatchingDesc
};

/// One region's (or non-geographical entity's) PhoneMetadata, ready to match.
struct NumberingPlan {
    enum class Length { possible, possibleLocalOnly, tooShort, invalidLength, tooLong };

    std::string id;
    int countryCode = 0;
    size_t index = 0;      // in the metadata collection
    // Filled by NumberingPlans::ready on first use, so start-up compiles no pattern.
    bool complete = true;  // every pattern compiled; otherwise the plan declines
    std::unique_ptr<DigitPattern> internationalPrefix, nationalPrefixForParsing, leadingDigits;
    std::string transformRule;
    NumberDesc general, fixedLine, mobile;
    std::vector<NumberDesc> otherTypes;  // premium rate … voicemail, in GetNumberTypeHelper's order
    bool sameMobileAndFixedLine = false;

    /// TestNumberLength for the UNKNOWN type: the general description's lengths.
    Length testLength(size_t length) const;
    /// GetNumberTypeHelper(number) != UNKNOWN.
    bool hasTypeFor(const std::string &nationalNumber) const;
    /// MaybeStripNationalPrefixAndCarrierCode: true when `number` was changed.
    bool stripNationalPrefix(std::string *number) const;
};

class NumberingPlans {
public:
    static const NumberingPlans &shared();

    const NumberingPlan *forRegion(const char *region) const;  // null: not a region libphonenumber knows
    const NumberingPlan *forCountryCode(int countryCode) const;  // the main region's, or the non-geographical one
    /// `plan` with its patterns compiled (once, thread-safe); throws Declined for null or incomplete.
    const NumberingPlan &ready(const NumberingPlan *plan) const;
    /// GetRegionCodeForNumber then IsValidNumberForRegion.
    bool isValid(int countryCode, const std::string &nationalNumber) const;

private:
    NumberingPlans();
    ~NumberingPlans();
    std::unique_ptr<i18n::phonenumbers::PhoneMetadataCollection> metadata_;
    std::vector<std::unique_ptr<NumberingPlan>> plans_;
    std::unique_ptr<std::once_flag[]> compiled_;
    std::unique_ptr<std::atomic<bool>[]> ready_;  // read first: call_once costs a call a lookup
    std::unordered_map<std::string, const NumberingPlan *> byRegion_;
    std::unordered_map<int, const NumberingPlan *> byCountryCode_;
    std::unordered_map<int, std::vector<const NumberingPlan *>> regionsByCountryCode_;
};

/// The fast path of cxv_pn_normalize: a cxv_pn_status, with the E.164 form in `e164`.
/// Throws Declined when it cannot answer exactly.
int fastNormalize(const char *input, size_t length, const char *region, std::string *e164, int *isValid);

}  // namespace cxv

#endif
