#include "digit_pattern.hpp"

#include <algorithm>
#include <map>

namespace cxv {

namespace {
// A search longer than this (patterns are short and inputs at most ~20 digits) is handed back.
constexpr int kStepBudget = 20000;
constexpr uint16_t kAnyDigit = 0x3FF;
}

// Parses the subset into a tree, then lays the tree out as a backtracking program.
class PatternCompiler {
public:
    explicit PatternCompiler(const std::string &text) : text_(text) {}

    std::unique_ptr<DigitPattern> compile() {
        Node root;
        if (!alternation(&root) || pos_ != text_.size()) return nullptr;
        auto pattern = std::unique_ptr<DigitPattern>(new DigitPattern());
        program_ = &pattern->program_;
        emit(root);
        program_->push_back({DigitPattern::kMatch, 0, 0, 0});
        pattern->groupCount_ = groups_;
        pattern->computeFirstDigits();
        return pattern;
    }

private:
    struct Node {
        enum Kind { kClass, kSequence, kAlternation, kGroup, kRepeat, kEnd } kind = kSequence;
        uint16_t mask = 0;
        int group = 0;  // kGroup: 1-based capture number, 0 for (?:…)
        int min = 0, max = 0;
        std::vector<Node> children;
    };

    const std::string &text_;
    size_t pos_ = 0;
    int groups_ = 0;
    std::vector<DigitPattern::Instruction> *program_ = nullptr;

    bool more() const { return pos_ < text_.size(); }
    char peek() const { return text_[pos_]; }

    bool alternation(Node *out) {
        out->kind = Node::kAlternation;
        do {
            Node branch;
            if (!sequence(&branch)) return false;
            out->children.push_back(std::move(branch));
        } while (more() && peek() == '|' && ++pos_);
        return true;
    }

    bool sequence(Node *out) {
        out->kind = Node::kSequence;
        while (more() && peek() != '|' && peek() != ')') {
            Node atom;
            if (!this->atom(&atom)) return false;
            if (more() && (peek() == '?' || peek() == '{')) {
                Node repeat;
                repeat.kind = Node::kRepeat;
                if (!quantifier(&repeat)) return false;
                // A second quantifier (lazy ?? or possessive) is outside the subset.
                if (more() && (peek() == '?' || peek() == '{' || peek() == '+' || peek() == '*')) return false;
                repeat.children.push_back(std::move(atom));
                atom = std::move(repeat);
            }
            if (more() && (peek() == '+' || peek() == '*')) return false;
            out->children.push_back(std::move(atom));
        }
        return true;
    }

    bool number(int *value) {
        if (!more() || peek() < '0' || peek() > '9') return false;
        *value = 0;
        while (more() && peek() >= '0' && peek() <= '9') *value = *value * 10 + (text_[pos_++] - '0');
        return *value <= 64;
    }

    bool quantifier(Node *repeat) {
        if (text_[pos_++] == '?') {
            repeat->min = 0;
            repeat->max = 1;
            return true;
        }
        if (!number(&repeat->min)) return false;
        repeat->max = repeat->min;
        if (more() && peek() == ',') {
            ++pos_;
            if (!number(&repeat->max)) return false;  // {n,} never appears in the metadata
        }
        if (!more() || text_[pos_++] != '}') return false;
        return repeat->min <= repeat->max;
    }

    bool atom(Node *out) {
        const char c = text_[pos_++];
        if (c >= '0' && c <= '9') {
            out->kind = Node::kClass;
            out->mask = uint16_t(1u << (c - '0'));
            return true;
        }
        switch (c) {
        case '\\':
            if (!more() || text_[pos_++] != 'd') return false;
            out->kind = Node::kClass;
            out->mask = kAnyDigit;
            return true;
        case '[':
            out->kind = Node::kClass;
            return characterClass(&out->mask);
        case '(':
            out->kind = Node::kGroup;
            if (text_.compare(pos_, 2, "?:") == 0) {
                pos_ += 2;
            } else {
                if (more() && peek() == '?') return false;  // lookaround and flags
                if (groups_ == DigitPattern::kMaxGroups) return false;
                out->group = ++groups_;
            }
            out->children.emplace_back();
            if (!alternation(&out->children.back())) return false;
            return more() && text_[pos_++] == ')';
        case '$':
            out->kind = Node::kEnd;
            return true;
        default:
            return false;
        }
    }

    bool characterClass(uint16_t *mask) {
        if (more() && peek() == '^') return false;
        while (more() && peek() != ']') {
            const char c = text_[pos_++];
            if (c == '\\') {
                if (!more() || text_[pos_++] != 'd') return false;
                *mask |= kAnyDigit;
                continue;
            }
            if (c < '0' || c > '9') return false;
            char last = c;
            if (pos_ + 1 < text_.size() && peek() == '-' && text_[pos_ + 1] != ']') {
                last = text_[pos_ + 1];
                pos_ += 2;
                if (last < c || last > '9') return false;
            }
            for (char d = c; d <= last; ++d) *mask |= uint16_t(1u << (d - '0'));
        }
        return more() && text_[pos_++] == ']';
    }

    int here() const { return int(program_->size()); }

    void emit(const Node &node) {
        using P = DigitPattern;
        switch (node.kind) {
        case Node::kClass:
            program_->push_back({P::kClass, node.mask, 0, 0});
            break;
        case Node::kEnd:
            program_->push_back({P::kAssertEnd, 0, 0, 0});
            break;
        case Node::kSequence:
            for (const Node &child : node.children) emit(child);
            break;
        case Node::kGroup:
            if (node.group) program_->push_back({P::kSave, 0, 2 * (node.group - 1), 0});
            emit(node.children[0]);
            if (node.group) program_->push_back({P::kSave, 0, 2 * (node.group - 1) + 1, 0});
            break;
        case Node::kAlternation: {
            std::vector<int> jumps;
            for (size_t i = 0; i + 1 < node.children.size(); ++i) {
                const int split = here();
                program_->push_back({P::kSplit, 0, split + 1, 0});
                emit(node.children[i]);
                jumps.push_back(here());
                program_->push_back({P::kJump, 0, 0, 0});
                (*program_)[split].y = here();
            }
            emit(node.children.back());
            for (int jump : jumps) (*program_)[jump].x = here();
            break;
        }
        case Node::kRepeat: {
            for (int i = 0; i < node.min; ++i) emit(node.children[0]);
            // x{0,k} laid out as (?:x(?:x…)?)?: each optional copy may stop the repetition.
            std::vector<int> splits;
            for (int i = node.min; i < node.max; ++i) {
                splits.push_back(here());
                program_->push_back({P::kSplit, 0, here() + 1, 0});
                emit(node.children[0]);
            }
            for (int split : splits) (*program_)[split].y = here();
            break;
        }
        }
    }
};

void DigitPattern::computeFirstDigits() {
    // Every jump and split goes forward (the subset has no unbounded loops), so one pass from the end suffices.
    for (int pc = int(program_.size()) - 1; pc >= 0; --pc) {
        Instruction &in = program_[size_t(pc)];
        switch (in.op) {
        case kClass: in.first = in.mask; in.canEnd = false; break;
        case kSplit:
            in.first = program_[size_t(in.x)].first | program_[size_t(in.y)].first;
            in.canEnd = program_[size_t(in.x)].canEnd || program_[size_t(in.y)].canEnd;
            break;
        case kJump: in.first = program_[size_t(in.x)].first; in.canEnd = program_[size_t(in.x)].canEnd; break;
        case kSave: in.first = program_[size_t(pc) + 1].first; in.canEnd = program_[size_t(pc) + 1].canEnd; break;
        case kAssertEnd: in.first = 0; in.canEnd = true; anchorsAtEnd_ = true; break;
        case kMatch: in.first = 0; in.canEnd = true; break;  // a prefix match ends here at any position
        }
    }
}

std::unique_ptr<DigitPattern> DigitPattern::compile(const std::string &pattern) {
    return PatternCompiler(pattern).compile();
}

struct DigitPattern::Run {
    const char *digits;
    int length;
    bool whole;
    bool gaveUp = false;
    int steps = 0;
    int end = -1;
    Groups groups;
};

bool DigitPattern::step(Run &run, int pc, int pos) const {
    for (;;) {
        if (++run.steps > kStepBudget) {
            run.gaveUp = true;
            return false;
        }
        const Instruction &in = program_[pc];
        switch (in.op) {
        case kClass: {
            const unsigned digit = pos < run.length ? unsigned(run.digits[pos] - '0') : 10u;
            if (digit > 9 || !((in.mask >> digit) & 1u)) return false;
            ++pc;
            ++pos;
            continue;
        }
        case kSplit: {
            const Instruction &preferred = program_[size_t(in.x)];
            const unsigned digit = pos < run.length ? unsigned(run.digits[pos] - '0') : 10u;
            const bool mayGoOn = (digit <= 9 && ((preferred.first >> digit) & 1u)) || preferred.canEnd;
            if (mayGoOn && step(run, in.x, pos)) return true;
            if (run.gaveUp) return false;
            pc = in.y;
            continue;
        }
        case kJump:
            pc = in.x;
            continue;
        case kSave: {
            const int previous = run.groups.bounds[in.x];
            run.groups.bounds[in.x] = pos;
            if (step(run, pc + 1, pos)) return true;
            run.groups.bounds[in.x] = previous;
            return false;
        }
        case kAssertEnd:
            if (pos != run.length) return false;
            ++pc;
            continue;
        case kMatch:
            if (run.whole && pos != run.length) return false;
            run.end = pos;
            return true;
        }
    }
}

DigitPattern::Result DigitPattern::run(const char *digits, int length, bool whole, int *end, Groups *groups) const {
    Run state{digits, length, whole};
    for (int &bound : state.groups.bounds) bound = -1;
    const bool matched = step(state, 0, 0);
    if (state.gaveUp) return Result::gaveUp;
    if (!matched) return Result::no;
    if (end) *end = state.end;
    if (groups) *groups = state.groups;
    return Result::yes;
}

void DigitPattern::buildDFA() const {
    // A DFA state is the set of kClass instructions the NFA can be at, after following splits,
    // jumps and saves; it accepts when kMatch is reachable at the end of the input.
    using Set = std::vector<int>;
    auto close = [this](const std::vector<int> &from, Set *classes, bool *accepts) {
        std::vector<int> stack(from), seen(program_.size(), 0);
        *accepts = false;
        while (!stack.empty()) {
            const int pc = stack.back();
            stack.pop_back();
            if (seen[size_t(pc)]++) continue;
            const Instruction &in = program_[size_t(pc)];
            switch (in.op) {
            case kClass: classes->push_back(pc); break;
            case kSplit: stack.push_back(in.y); stack.push_back(in.x); break;
            case kJump: stack.push_back(in.x); break;
            case kSave: case kAssertEnd: stack.push_back(pc + 1); break;  // $ holds where acceptance is asked
            case kMatch: *accepts = true; break;
            }
        }
        std::sort(classes->begin(), classes->end());
    };
    std::map<Set, int32_t> ids;
    std::vector<Set> states;
    std::vector<int32_t> next;
    std::vector<bool> accepts;
    auto intern = [&](const std::vector<int> &from) -> int32_t {
        Set classes;
        bool accepting = false;
        close(from, &classes, &accepting);
        if (classes.empty() && !accepting) return -1;
        if (accepting) classes.push_back(-1);  // the same instructions, accepting or not, are two states
        auto found = ids.find(classes);
        if (found != ids.end()) return found->second;
        const int32_t id = int32_t(states.size());
        ids.emplace(classes, id);
        states.push_back(std::move(classes));
        accepts.push_back(accepting);
        next.resize(next.size() + 10, -1);
        return id;
    };
    intern({0});
    for (size_t state = 0; state < states.size(); ++state) {
        if (states.size() > kMaxStates) return;  // too big: fullMatch keeps backtracking
        for (int digit = 0; digit < 10; ++digit) {
            std::vector<int> targets;
            for (int pc : states[state]) {
                if (pc >= 0 && (program_[size_t(pc)].mask >> digit) & 1u) targets.push_back(pc + 1);
            }
            if (!targets.empty()) {
                const int32_t target = intern(targets);
                next[state * 10 + size_t(digit)] = target;
            }
        }
    }
    dfaNext_ = std::move(next);
    dfaAccepts_ = std::move(accepts);
}

void DigitPattern::ensureDFA() const {
    if (dfaReady_.load(std::memory_order_acquire)) return;
    std::call_once(dfaBuilt_, [this] {
        buildDFA();
        dfaReady_.store(true, std::memory_order_release);
    });
}

DigitPattern::Result DigitPattern::fullMatch(const char *digits, int length) const {
    ensureDFA();
    if (dfaAccepts_.empty()) return run(digits, length, true, nullptr, nullptr);
    int32_t state = 0;
    for (int i = 0; i < length; ++i) {
        const unsigned digit = unsigned(digits[i] - '0');
        if (digit > 9) return Result::no;
        state = dfaNext_[size_t(state) * 10 + digit];
        if (state < 0) return Result::no;
    }
    return dfaAccepts_[size_t(state)] ? Result::yes : Result::no;
}

DigitPattern::Result DigitPattern::matchesPrefix(const char *digits, int length) const {
    ensureDFA();
    if (dfaAccepts_.empty() || anchorsAtEnd_) return lookingAt(digits, length, nullptr, nullptr);
    int32_t state = 0;
    for (int i = 0;; ++i) {
        if (dfaAccepts_[size_t(state)]) return Result::yes;  // kMatch is reachable: a prefix matched
        if (i == length) return Result::no;
        const unsigned digit = unsigned(digits[i] - '0');
        if (digit > 9) return Result::no;
        state = dfaNext_[size_t(state) * 10 + digit];
        if (state < 0) return Result::no;
    }
}

DigitPattern::Result DigitPattern::lookingAt(const char *digits, int length, int *end, Groups *groups) const {
    return run(digits, length, false, end, groups);
}

}  // namespace cxv
