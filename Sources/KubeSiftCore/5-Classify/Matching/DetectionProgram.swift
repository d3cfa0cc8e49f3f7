/// A rule's detection compiled for the hot path: its field conditions in one flat list, and its
/// condition as a short-circuiting jump program over them.
///
/// Walking the `ConditionExpression` tree retains and releases every node and list it passes
/// through; the program's steps are plain values, so evaluating a rule costs the tests it runs.
struct DetectionProgram {
    enum Step {
        /// Sets the result to whether condition `index` holds.
        case test(Int)
        /// Sets the result (an empty `and` holds, an empty `or` does not).
        case constant(Bool)
        /// Jumps to `target` when the result is false (an `and` already lost) or true (an `or` already won).
        case jumpIfFalse(Int)
        case jumpIfTrue(Int)
        case not
    }

    private(set) var steps: [Step] = []
    private(set) var conditions: [CompiledCondition] = []
    /// The detection's condition, over ``selections``: what the prefilter reads.
    let condition: ConditionExpression
    /// By selection, its alternatives, each a list of indices into ``conditions``.
    private(set) var selections: [[[Int]]] = []

    init(_ detection: Detection) {
        condition = detection.condition
        for selection in detection.selections {
            selections.append(selection.alternatives.map { alternative in
                alternative.map { condition in
                    conditions.append(CompiledCondition(condition))
                    return conditions.count - 1
                }
            })
        }
        emit(detection.condition, selections)
    }

    private mutating func emit(_ expression: ConditionExpression, _ conditionIndex: [[[Int]]]) {
        switch expression {
        case let .selection(index):
            // A selection is an `or` of its alternatives, each an `and` of its conditions.
            let alternatives = conditionIndex[index]
            emitChain(alternatives.count, all: false) { program, alternative in
                let conditions = alternatives[alternative]
                program.emitChain(conditions.count, all: true) { program, condition in
                    program.steps.append(.test(conditions[condition]))
                }
            }
        case let .and(terms):
            emitChain(terms.count, all: true) { program, term in program.emit(terms[term], conditionIndex) }
        case let .or(terms):
            emitChain(terms.count, all: false) { program, term in program.emit(terms[term], conditionIndex) }
        case let .not(term):
            emit(term, conditionIndex)
            steps.append(.not)
        }
    }

    /// An `and` (`all`) or `or` of `count` parts, each but the last followed by a jump to the end,
    /// taken as soon as the chain is decided.
    private mutating func emitChain(_ count: Int, all: Bool, part: (inout DetectionProgram, Int) -> Void) {
        guard count > 0 else {
            steps.append(.constant(all))
            return
        }
        var pendingJumps: [Int] = []
        for index in 0..<count {
            part(&self, index)
            if index < count - 1 {
                pendingJumps.append(steps.count)
                steps.append(.not) // placeholder, patched below
            }
        }
        for position in pendingJumps { steps[position] = all ? .jumpIfFalse(steps.count) : .jumpIfTrue(steps.count) }
    }

    /// Runs the program; `test` says whether a condition holds.
    func evaluate(_ test: (CompiledCondition) -> Bool) -> Bool {
        steps.withUnsafeBufferPointer { steps in
            conditions.withUnsafeBufferPointer { conditions in
                var result = false
                var position = 0
                while position < steps.count {
                    switch steps[position] {
                    case let .test(index):
                        result = test(conditions[index])
                    case let .constant(value):
                        result = value
                    case let .jumpIfFalse(target):
                        if !result {
                            position = target
                            continue
                        }
                    case let .jumpIfTrue(target):
                        if result {
                            position = target
                            continue
                        }
                    case .not:
                        result.toggle()
                    }
                    position += 1
                }
                return result
            }
        }
    }
}

/// A field condition as the hot path reads it. A reference: handing the condition (a text and two
/// lists) to each test copied it, one retain and release per list, and that was half the matcher's time.
final class CompiledCondition: Sendable {
    /// Read through the reference, never copied out whole.
    let condition: FieldCondition
    /// Whether a pattern is `null` (the field may be missing): known once, not searched per test.
    let acceptsMissing: Bool

    init(_ condition: FieldCondition) {
        self.condition = condition
        acceptsMissing = condition.patterns.contains { if case .null = $0 { true } else { false } }
    }
}
