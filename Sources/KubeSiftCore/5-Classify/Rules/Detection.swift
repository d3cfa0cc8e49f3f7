/// One field test of a selection: `objectRef.resource: pods`, `sourceIPs|cidr: 10.0.0.0/8`, …
package struct FieldCondition: Sendable {
    /// The field as the rule wrote it, modifiers included, for messages.
    package var written: String
    package var sources: [FieldSource]
    package var patterns: [ValuePattern]
    /// `|all`: every pattern must match; otherwise any one.
    package var requiresAll = false
    /// `|exists`: tests presence only.
    package var exists: Bool?
    /// `|neq`: the field must differ from every pattern.
    package var negated = false
}

/// A named selection: a list of field maps, any of which matches (a single map is a list of one).
package struct Selection: Sendable {
    package var name: String
    package var alternatives: [[FieldCondition]]
}

/// A Sigma condition, with selection names resolved to indices.
package indirect enum ConditionExpression: Sendable, Equatable {
    case selection(Int)
    case and([ConditionExpression])
    case or([ConditionExpression])
    case not(ConditionExpression)
}

/// The `detection` of a rule: its selections and the condition over them.
package struct Detection: Sendable {
    package var selections: [Selection]
    package var condition: ConditionExpression
}

/// Parses Sigma's condition language: `and`, `or`, `not`, parentheses, `1 of x*`, `all of x*`,
/// `1 of them`, `all of them`. Precedence: `not` binds tightest, then `and`, then `or`.
struct ConditionParser {
    enum Failure: Error, Equatable {
        case message(String)
    }

    private enum Token: Equatable {
        case word(String)
        case open, close
    }

    private var tokens: [Token]
    private var position = 0
    private let names: [String]

    init(_ text: String, selectionNames: [String]) throws(Failure) {
        names = selectionNames
        tokens = []
        var word = ""
        func flush() {
            if !word.isEmpty { tokens.append(.word(word)) }
            word = ""
        }
        for character in text {
            switch character {
            case "(": flush(); tokens.append(.open)
            case ")": flush(); tokens.append(.close)
            case " ", "\t", "\n", "\r": flush()
            case "|":
                throw .message("`|` aggregations are not part of Sigma 2; write a correlation rule instead")
            default: word.append(character)
            }
        }
        flush()
    }

    mutating func parse() throws(Failure) -> ConditionExpression {
        guard !tokens.isEmpty else { throw .message("the condition is empty") }
        let expression = try parseOr()
        guard position == tokens.count else { throw .message("unexpected `\(describe(tokens[position]))`") }
        return expression
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case let .word(word): word
        case .open: "("
        case .close: ")"
        }
    }

    private func keyword(_ word: String) -> Bool {
        guard position < tokens.count, case let .word(actual) = tokens[position] else { return false }
        return actual.lowercased() == word
    }

    private mutating func parseOr() throws(Failure) -> ConditionExpression {
        var terms = [try parseAnd()]
        while keyword("or") {
            position += 1
            terms.append(try parseAnd())
        }
        return terms.count == 1 ? terms[0] : .or(terms)
    }

    private mutating func parseAnd() throws(Failure) -> ConditionExpression {
        var terms = [try parseNot()]
        while keyword("and") {
            position += 1
            terms.append(try parseNot())
        }
        return terms.count == 1 ? terms[0] : .and(terms)
    }

    private mutating func parseNot() throws(Failure) -> ConditionExpression {
        if keyword("not") {
            position += 1
            return .not(try parseNot())
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(Failure) -> ConditionExpression {
        guard position < tokens.count else { throw .message("the condition ends too early") }
        let token = tokens[position]
        position += 1
        switch token {
        case .open:
            let inner = try parseOr()
            guard position < tokens.count, tokens[position] == .close else { throw .message("a `(` is not closed") }
            position += 1
            return inner
        case .close:
            throw .message("unexpected `)`")
        case let .word(word):
            let lower = word.lowercased()
            if lower == "1" || lower == "all" || lower == "any" {
                guard keyword("of"), position + 1 < tokens.count, case let .word(target) = tokens[position + 1] else {
                    throw .message("`\(word)` must be followed by `of` and a selection pattern")
                }
                position += 2
                let matched = try selections(matching: target)
                let terms = matched.map(ConditionExpression.selection)
                if terms.count == 1 { return terms[0] }
                return lower == "all" ? .and(terms) : .or(terms)
            }
            if ["and", "or", "of"].contains(lower) { throw .message("unexpected `\(word)`") }
            guard let index = names.firstIndex(of: word) else {
                throw .message("the condition names `\(word)`, which is not a selection")
            }
            return .selection(index)
        }
    }

    /// The selections a `1 of`/`all of` pattern names; `them` is every selection not starting with `_`.
    private func selections(matching pattern: String) throws(Failure) -> [Int] {
        let indices: [Int]
        if pattern == "them" {
            indices = names.indices.filter { !names[$0].hasPrefix("_") }
        } else {
            let glob = GlobPattern(sigma: pattern, cased: true)
            indices = names.indices.filter { glob.matches(names[$0]) }
        }
        guard !indices.isEmpty else { throw .message("no selection matches `\(pattern)`") }
        return indices
    }
}
