#include "numbering_plans.hpp"
#include "cxv_phonenumber.h"

#include <phonenumbers/phonemetadata.pb.h>

#include <algorithm>

namespace i18n { namespace phonenumbers {
// The compiled-in metadata PhoneNumberUtil itself loads; libphonenumber exports both.
int metadata_size();
const void *metadata_get();
} }

namespace cxv {

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneMetadataCollection;
using i18n::phonenumbers::PhoneNumberDesc;

namespace {

const char kNonGeographical[] = "001";
// libphonenumber's kMinLengthForNsn, kMaxLengthForNsn and kMaxLengthCountryCode.
constexpr size_t kMinLengthForNsn = 2;
constexpr size_t kMaxLengthForNsn = 17;
constexpr size_t kMaxLengthCountryCode = 3;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool answer(DigitPattern::Result result) {
    if (result == DigitPattern::Result::gaveUp) throw Declined();
    return result == DigitPattern::Result::yes;
}

std::unique_ptr<DigitPattern> compiled(const std::string &pattern, bool *complete) {
    auto result = DigitPattern::compile(pattern);
    if (!result) *complete = false;
    return result;
}

NumberDesc describe(const PhoneNumberDesc &desc, bool *complete) {
    NumberDesc result;
    // MatchNationalNumber: an empty pattern matches nothing.
    if (!desc.national_number_pattern().empty()) result.pattern = compiled(desc.national_number_pattern(), complete);
    result.lengths.assign(desc.possible_length().begin(), desc.possible_length().end());
    result.localLengths.assign(desc.possible_length_local_only().begin(), desc.possible_length_local_only().end());
    return result;
}

/// Compiles the patterns of `metadata` into `plan`.
void compile(const PhoneMetadata &metadata, NumberingPlan *plan) {
    bool complete = true;
    // An empty international prefix is a pattern that matches the empty string, as in libphonenumber.
    plan->internationalPrefix = compiled(metadata.international_prefix(), &complete);
    if (!metadata.national_prefix_for_parsing().empty()) {
        plan->nationalPrefixForParsing = compiled(metadata.national_prefix_for_parsing(), &complete);
    }
    if (metadata.has_leading_digits()) plan->leadingDigits = compiled(metadata.leading_digits(), &complete);
    plan->transformRule = metadata.national_prefix_transform_rule();
    plan->general = describe(metadata.general_desc(), &complete);
    plan->fixedLine = describe(metadata.fixed_line(), &complete);
    plan->mobile = describe(metadata.mobile(), &complete);
    for (const PhoneNumberDesc *desc : {&metadata.premium_rate(), &metadata.toll_free(), &metadata.shared_cost(),
                                        &metadata.voip(), &metadata.personal_number(), &metadata.pager(),
                                        &metadata.uan(), &metadata.voicemail()}) {
        plan->otherTypes.push_back(describe(*desc, &complete));
    }
    plan->sameMobileAndFixedLine = metadata.same_mobile_and_fixed_line_pattern();
    plan->complete = complete && !plan->general.lengths.empty();
}

}  // namespace

bool NumberDesc::matches(const std::string &number) const {
    return pattern && answer(pattern->fullMatch(number.data(), int(number.size())));
}

bool NumberDesc::matchesWithLength(const std::string &number) const {
    if (!lengths.empty() && std::find(lengths.begin(), lengths.end(), int(number.size())) == lengths.end()) return false;
    return matches(number);
}

NumberingPlan::Length NumberingPlan::testLength(size_t length) const {
    const std::vector<int> &possible = general.lengths;
    if (possible.front() == -1) return Length::invalidLength;
    const int actual = int(length);
    if (std::find(general.localLengths.begin(), general.localLengths.end(), actual) != general.localLengths.end()) {
        return Length::possibleLocalOnly;
    }
    if (possible.front() == actual) return Length::possible;
    if (possible.front() > actual) return Length::tooShort;
    if (possible.back() < actual) return Length::tooLong;
    return std::find(possible.begin() + 1, possible.end(), actual) != possible.end() ? Length::possible
                                                                                        : Length::invalidLength;
}

bool NumberingPlan::hasTypeFor(const std::string &number) const {
    if (!general.matchesWithLength(number)) return false;
    for (const NumberDesc &desc : otherTypes) {
        if (desc.matchesWithLength(number)) return true;
    }
    return fixedLine.matchesWithLength(number) || (!sameMobileAndFixedLine && mobile.matchesWithLength(number));
}

bool NumberingPlan::stripNationalPrefix(std::string *number) const {
    if (number->empty() || !nationalPrefixForParsing) return false;
    const DigitPattern &prefix = *nationalPrefixForParsing;
    int end = 0;
    DigitPattern::Groups groups;
    // With a transform rule and a captured part of the prefix, the number is rewritten by the rule.
    if (!transformRule.empty() && prefix.groupCount() >= 1 &&
        answer(prefix.lookingAt(number->data(), int(number->size()), &end, &groups))) {
        // Consume(&carrier, &captured) when there are two groups, else Consume(&captured).
        const int captured = prefix.groupCount() >= 2 ? 2 : 1;
        const int from = groups.bounds[2 * (captured - 1)], to = groups.bounds[2 * (captured - 1) + 1];
        if (from >= 0 && to > from) {
            std::string rewritten;
            for (size_t i = 0; i < transformRule.size(); ++i) {
                const char c = transformRule[i];
                if (c != '$') {
                    rewritten += c;
                    continue;
                }
                if (i + 1 >= transformRule.size() || !isDigit(transformRule[i + 1])) throw Declined();
                const int group = transformRule[++i] - '0';
                if (group < 1 || group > prefix.groupCount()) throw Declined();
                const int start = groups.bounds[2 * (group - 1)], stop = groups.bounds[2 * (group - 1) + 1];
                if (start >= 0 && stop >= start) rewritten.append(*number, size_t(start), size_t(stop - start));
            }
            rewritten.append(*number, size_t(end), std::string::npos);
            if (general.matches(*number) && !general.matches(rewritten)) return false;
            *number = rewritten;
            return true;
        }
    }
    if (!answer(prefix.lookingAt(number->data(), int(number->size()), &end, nullptr))) return false;
    std::string rest = number->substr(size_t(end));
    // A number that matched before must still match after the prefix is gone.
    if (general.matches(*number) && !general.matches(rest)) return false;
    *number = std::move(rest);
    return true;
}

NumberingPlans::~NumberingPlans() = default;

NumberingPlans::NumberingPlans() : metadata_(std::make_unique<PhoneMetadataCollection>()) {
    const PhoneMetadataCollection &collection = *metadata_;
    if (!metadata_->ParseFromArray(i18n::phonenumbers::metadata_get(), i18n::phonenumbers::metadata_size())) {
        return;  // no plans: every number goes to libphonenumber
    }
    compiled_ = std::make_unique<std::once_flag[]>(size_t(collection.metadata_size()));
    ready_ = std::make_unique<std::atomic<bool>[]>(size_t(collection.metadata_size()));
    // Each calling code's regions in PhoneNumberUtil's order: the main country first, the rest
    // as the metadata lists them; the first is the code's region (GetRegionCodeForCountryCode).
    for (int index = 0; index < collection.metadata_size(); ++index) {
        const PhoneMetadata &metadata = collection.metadata(index);
        if (metadata.id() == "ZZ") continue;
        plans_.push_back(std::make_unique<NumberingPlan>());
        NumberingPlan *added = plans_.back().get();
        added->id = metadata.id();
        added->countryCode = metadata.country_code();
        added->index = size_t(index);
        if (added->id != kNonGeographical) byRegion_[added->id] = added;
        std::vector<const NumberingPlan *> &regions = regionsByCountryCode_[added->countryCode];
        if (metadata.main_country_for_code()) {
            regions.insert(regions.begin(), added);
        } else {
            regions.push_back(added);
        }
    }
    for (const auto &[countryCode, regions] : regionsByCountryCode_) byCountryCode_[countryCode] = regions.front();
}

const NumberingPlans &NumberingPlans::shared() {
    static const NumberingPlans plans;
    return plans;
}

const NumberingPlan &NumberingPlans::ready(const NumberingPlan *plan) const {
    if (!plan) throw Declined();
    if (!ready_[plan->index].load(std::memory_order_acquire)) {
        std::call_once(compiled_[plan->index], [&] {
            // Written once, before any reader sees ready_: the plan is read-only from then on.
            compile(metadata_->metadata(int(plan->index)), const_cast<NumberingPlan *>(plan));
            ready_[plan->index].store(true, std::memory_order_release);
        });
    }
    if (!plan->complete) throw Declined();
    return *plan;
}

const NumberingPlan *NumberingPlans::forRegion(const char *region) const {
    auto found = byRegion_.find(region);
    return found == byRegion_.end() ? nullptr : found->second;
}

const NumberingPlan *NumberingPlans::forCountryCode(int countryCode) const {
    auto found = byCountryCode_.find(countryCode);
    return found == byCountryCode_.end() ? nullptr : found->second;
}

bool NumberingPlans::isValid(int countryCode, const std::string &nationalNumber) const {
    auto found = regionsByCountryCode_.find(countryCode);
    if (found == regionsByCountryCode_.end() || found->second.empty()) return false;
    // GetRegionCodeForNumber: the one region, or the first whose leading digits or number types fit.
    const NumberingPlan *region = nullptr;
    if (found->second.size() == 1) {
        region = &ready(found->second.front());
    } else {
        for (const NumberingPlan *candidate : found->second) {
            const NumberingPlan &plan = ready(candidate);
            if (plan.leadingDigits) {
                if (answer(plan.leadingDigits->matchesPrefix(nationalNumber.data(), int(nationalNumber.size())))) {
                    region = &plan;
                    break;
                }
            } else if (plan.hasTypeFor(nationalNumber)) {
                region = &plan;
                break;
            }
        }
    }
    if (!region) return false;
    if (region->id != kNonGeographical && region->countryCode != countryCode) return false;
    return region->hasTypeFor(nationalNumber);
}

namespace {

enum class Source { plusSign, idd, defaultCountry };

/// ExtractCountryCode: a known country calling code at the start of `number`, removed; 0 if none.
int takeCountryCode(const NumberingPlans &plans, std::string *number) {
    if (number->empty() || (*number)[0] == '0') return 0;
    int code = 0;
    for (size_t i = 1; i <= kMaxLengthCountryCode && i <= number->size(); ++i) {
        code = code * 10 + ((*number)[i - 1] - '0');
        if (plans.forCountryCode(code)) {
            number->erase(0, i);
            return code;
        }
    }
    return 0;
}

std::string digitsOf(const char *text, size_t length) {
    std::string digits;
    digits.reserve(length);
    for (size_t i = 0; i < length; ++i) {
        if (isDigit(text[i])) digits += text[i];
    }
    return digits;
}

/// MaybeExtractCountryCode: the national number normalised to digits in `*national`, the
/// country calling code found (0 if none) in `*countryCode`; a cxv_pn_status.
int extractCountryCode(const NumberingPlans &plans, const NumberingPlan *region, const char *text, size_t length,
                       std::string *national, int *countryCode) {
    *countryCode = 0;
    Source source = Source::defaultCountry;
    if (length == 0) {
        national->clear();
    } else if (text[0] == '+') {
        size_t plus = 0;
        while (plus < length && text[plus] == '+') ++plus;
        *national = digitsOf(text + plus, length - plus);
        source = Source::plusSign;
    } else {
        *national = digitsOf(text, length);
        int end = 0;
        // ParsePrefixAsIdd: strip the IDD unless a 0 follows it (no calling code starts with 0).
        if (region && answer(region->internationalPrefix->lookingAt(national->data(), int(national->size()), &end, nullptr)) &&
            !(size_t(end) < national->size() && (*national)[size_t(end)] == '0')) {
            national->erase(0, size_t(end));
            source = Source::idd;
        }
    }
    if (source != Source::defaultCountry) {
        if (national->size() <= kMinLengthForNsn) return CXV_PN_TOO_SHORT;  // TOO_SHORT_AFTER_IDD
        *countryCode = takeCountryCode(plans, national);
        return *countryCode ? CXV_PN_OK : CXV_PN_NO_REGION;
    }
    if (region) {
        // Typed with the region's own calling code but no + or IDD: take it off when that reads better.
        const std::string code = std::to_string(region->countryCode);
        if (national->compare(0, code.size(), code) == 0) {
            std::string rest = national->substr(code.size());
            region->stripNationalPrefix(&rest);
            if ((!region->general.matches(*national) && region->general.matches(rest)) ||
                region->testLength(national->size()) == NumberingPlan::Length::tooLong) {
                *national = std::move(rest);
                *countryCode = region->countryCode;
            }
        }
    }
    return CXV_PN_OK;
}

}  // namespace

int fastNormalize(const char *input, size_t length, const char *regionCode, std::string *e164, int *isValid) {
    const NumberingPlans &plans = NumberingPlans::shared();
    for (size_t i = 0; i < length; ++i) {
        switch (input[i]) {
        case ' ': case '-': case '.': case '(': case ')': case '/': case '+':
            break;
        default:
            if (!isDigit(input[i])) throw Declined();
        }
    }
    // ExtractPossibleNumber: from the first + or digit to the last digit.
    size_t start = 0, end = length;
    while (start < length && input[start] != '+' && !isDigit(input[start])) ++start;
    while (end > start && !isDigit(input[end - 1])) --end;
    const char *text = input + start;
    const size_t size = end - start;
    // IsViablePhoneNumber: two digits, or pluses then at least three digits and no further +.
    if (size < kMinLengthForNsn) return CXV_PN_NOT_A_NUMBER;
    if (!(size == 2 && isDigit(text[0]) && isDigit(text[1]))) {
        size_t plus = 0, digits = 0;
        while (plus < size && text[plus] == '+') ++plus;
        for (size_t i = plus; i < size; ++i) {
            if (text[i] == '+') return CXV_PN_NOT_A_NUMBER;
            digits += isDigit(text[i]);
        }
        if (digits < 3) return CXV_PN_NOT_A_NUMBER;
    }
    const NumberingPlan *region = regionCode ? plans.forRegion(regionCode) : nullptr;
    if (region) plans.ready(region);
    if (!region && text[0] != '+') return CXV_PN_NO_REGION;  // CheckRegionForParsing

    std::string national;
    int countryCode = 0;
    const int status = extractCountryCode(plans, region, text, size, &national, &countryCode);
    if (status == CXV_PN_NO_REGION && text[0] == '+') {
        // ParseHelper strips the + and tries again, the rest read as if typed without it.
        size_t plus = 0;
        while (plus < size && text[plus] == '+') ++plus;
        extractCountryCode(plans, region, text + plus, size - plus, &national, &countryCode);
        if (countryCode == 0) return CXV_PN_NO_REGION;
    } else if (status != CXV_PN_OK) {
        return status;
    }
    const NumberingPlan &plan = countryCode ? plans.ready(plans.forCountryCode(countryCode)) : *region;
    if (countryCode == 0) countryCode = plan.countryCode;
    if (national.size() < kMinLengthForNsn) return CXV_PN_TOO_SHORT;
    std::string stripped = national;
    plan.stripNationalPrefix(&stripped);
    // The national prefix stays when what is left is too short to be a number of the region.
    const NumberingPlan::Length left = plan.testLength(stripped.size());
    if (left != NumberingPlan::Length::tooShort && left != NumberingPlan::Length::possibleLocalOnly &&
        left != NumberingPlan::Length::invalidLength) {
        national = std::move(stripped);
    }
    if (national.size() < kMinLengthForNsn) return CXV_PN_TOO_SHORT;
    if (national.size() > kMaxLengthForNsn) return CXV_PN_TOO_LONG;

    // IsPossibleNumber, by the lengths of the calling code's main region.
    const NumberingPlan::Length possible = plans.ready(plans.forCountryCode(countryCode)).testLength(national.size());
    if (possible != NumberingPlan::Length::possible && possible != NumberingPlan::Length::possibleLocalOnly) {
        return CXV_PN_IMPOSSIBLE;
    }
    *e164 = "+" + std::to_string(countryCode) + national;
    if (isValid) *isValid = plans.isValid(countryCode, national) ? 1 : 0;
    return CXV_PN_OK;
}

}  // namespace cxv
