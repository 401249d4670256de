// DigitPattern: libphonenumber's metadata regular expressions, run over ASCII digits.
//
// The metadata uses a small subset of regular-expression syntax: digits, \d, [classes],
// (?:…), (…), |, ?, {n}, {n,m} and $. DigitPattern compiles that subset and matches it by
// backtracking in priority order (alternatives left to right, quantifiers greedy), as ICU
// does, so a prefix match ends where libphonenumber's ends and a group captures what its
// group captures. Anything outside the subset does not compile, and the caller falls back
// to libphonenumber itself.
#ifndef CXV_DIGIT_PATTERN_HPP
#define CXV_DIGIT_PATTERN_HPP

#include <cstdint>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cxv {

class DigitPattern {
public:
    static constexpr int kMaxGroups = 4;

    /// Where each group matched: [2k] start, [2k+1] end, -1 when it took no part.
    struct Groups {
        int bounds[2 * kMaxGroups];
    };

    /// The outcome of a match: no match, a match, or a search that ran past its step budget.
    enum class Result { no, yes, gaveUp };

    /// nullptr when `pattern` uses syntax outside the subset.
    static std::unique_ptr<DigitPattern> compile(const std::string &pattern);

    /// Does the whole of `digits` match (ICU's matches())?
    Result fullMatch(const char *digits, int length) const;
    /// Does some prefix of `digits` match (lookingAt() without where it ends)?
    Result matchesPrefix(const char *digits, int length) const;
    /// Does a prefix of `digits` match (ICU's lookingAt())? `*end` is where it ends.
    Result lookingAt(const char *digits, int length, int *end, Groups *groups) const;

    int groupCount() const { return groupCount_; }

private:
    enum Op : uint8_t { kClass, kSplit, kJump, kSave, kAssertEnd, kMatch };
    struct Instruction {
        Op op;
        uint16_t mask;  // kClass: bit d set when digit d matches
        int x, y;       // kSplit: preferred, other; kJump: target; kSave: slot
        // The digits a match from here can start with, and whether it can end without one:
        // a branch that cannot go on is skipped without being entered.
        uint16_t first;
        bool canEnd;
    };
    struct Run;

    std::vector<Instruction> program_;
    int groupCount_ = 0;
    bool anchorsAtEnd_ = false;  // has $: a DFA state's acceptance then holds only at the end

    // fullMatch runs a DFA built from the program on first use (thread-safe); a pattern whose DFA
    // would pass kMaxStates keeps the backtracking run. Row s: next state per digit (-1 none).
    static constexpr size_t kMaxStates = 4096;
    mutable std::once_flag dfaBuilt_;
    mutable std::atomic<bool> dfaReady_{false};  // read first: call_once costs a call a match
    void ensureDFA() const;
    mutable std::vector<int32_t> dfaNext_;
    mutable std::vector<bool> dfaAccepts_;
    void buildDFA() const;

    friend class PatternCompiler;
    void computeFirstDigits();
    Result run(const char *digits, int length, bool whole, int *end, Groups *groups) const;
    bool step(Run &run, int pc, int pos) const;
};

}  // namespace cxv

#endif
