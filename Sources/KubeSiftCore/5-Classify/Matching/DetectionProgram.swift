/// A rule's detection compiled for the hot path: its field conditions in one flat list, and its
/// condition as a short-circuiting jump program over them.
///
/// Walking the `ConditionExpression` tree retains and releases every node and list it passes
/// through; the program's steps and conditions are read from buffers it owns, as plain values and
/// unretained references, so evaluating a rule costs the tests it runs.
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

    /// The conditions, which the program's buffers refer to without retaining them.
    let conditions: [CompiledCondition]
    /// The detection's condition, over ``selections``: what the prefilter reads.
    let condition: ConditionExpression
    /// By selection, its alternatives, each a list of indices into ``conditions``.
    let selections: [[[Int]]]
    /// Owns the buffers `code` reads; never read on the hot path.
    private let storage: Storage
    /// What evaluating the program reads: plain values, so that reading it from a list of
    /// programs copies nothing that is counted.
    let code: Code

    struct Code {
        fileprivate let steps: UnsafeMutableBufferPointer<Step>
        fileprivate let tests: UnsafeMutableBufferPointer<Unmanaged<CompiledCondition>>

        /// Runs the program; `test` says whether a condition holds.
        func evaluate(_ test: (CompiledCondition) -> Bool) -> Bool {
            var result = false
            var position = 0
            while position < steps.count {
                switch steps[position] {
                case let .test(index):
                    result = tests[index]._withUnsafeGuaranteedRef(test)
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

    private final class Storage {
        let steps: UnsafeMutableBufferPointer<Step>
        let tests: UnsafeMutableBufferPointer<Unmanaged<CompiledCondition>>

        init(steps: [Step], conditions: [CompiledCondition]) {
            self.steps = .allocate(capacity: steps.count)
            _ = self.steps.initialize(from: steps)
            tests = .allocate(capacity: conditions.count)
            _ = tests.initialize(from: conditions.map { Unmanaged.passUnretained($0) })
        }

        deinit {
            steps.deallocate()
            tests.deallocate()
        }
    }

    init(_ detection: Detection) {
        var builder = Builder()
        condition = detection.condition
        for selection in detection.selections {
            builder.selections.append(selection.alternatives.map { alternative in
                alternative.map { condition in
                    builder.conditions.append(CompiledCondition(condition))
                    return builder.conditions.count - 1
                }
            })
        }
        builder.emit(detection.condition)
        conditions = builder.conditions
        selections = builder.selections
        storage = Storage(steps: builder.steps, conditions: builder.conditions)
        code = Code(steps: storage.steps, tests: storage.tests)
    }

    /// The program as it is written, step by step.
    private struct Builder {
        var steps: [Step] = []
        var conditions: [CompiledCondition] = []
        var selections: [[[Int]]] = []

        mutating func emit(_ expression: ConditionExpression) {
            switch expression {
            case let .selection(index):
                // A selection is an `or` of its alternatives, each an `and` of its conditions.
                let alternatives = selections[index]
                emitChain(alternatives.count, all: false) { program, alternative in
                    let conditions = alternatives[alternative]
                    program.emitChain(conditions.count, all: true) { program, condition in
                        program.steps.append(.test(conditions[condition]))
                    }
                }
            case let .and(terms):
                emitChain(terms.count, all: true) { program, term in program.emit(terms[term]) }
            case let .or(terms):
                emitChain(terms.count, all: false) { program, term in program.emit(terms[term]) }
            case let .not(term):
                emit(term)
                steps.append(.not)
            }
        }

        /// An `and` (`all`) or `or` of `count` parts, each but the last followed by a jump to the end,
        /// taken as soon as the chain is decided.
        private mutating func emitChain(_ count: Int, all: Bool, part: (inout Builder, Int) -> Void) {
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
    }

    /// Runs the program; `test` says whether a condition holds.
    func evaluate(_ test: (CompiledCondition) -> Bool) -> Bool { code.evaluate(test) }
}

/// Programs with the conditions whose truth is already known replaced by constants, and the steps
/// they are made of. The matcher knows, for every event with one verb, resource, subresource, API
/// group and response code, how each condition on those fields comes out: an event then runs
/// only the tests of its other fields.
final class FoldedPrograms {
    private var buffers: [UnsafeMutableBufferPointer<DetectionProgram.Step>] = []

    /// `program` with condition `index` a constant wherever `known(index)` is not nil; valid while
    /// this object lives.
    func fold(_ program: DetectionProgram, known: (Int) -> Bool?) -> DetectionProgram.Code {
        let original = program.code.steps
        let steps = UnsafeMutableBufferPointer<DetectionProgram.Step>.allocate(capacity: original.count)
        for position in original.indices {
            var step = original[position]
            if case let .test(index) = step, let value = known(index) { step = .constant(value) }
            steps.initializeElement(at: position, to: step)
        }
        buffers.append(steps)
        return DetectionProgram.Code(steps: steps, tests: program.code.tests)
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }
}

/// A field condition as the hot path reads it. A reference: handing the condition (a text and two
/// lists) to each test copied it, one retain and release per list, and that was half the matcher's
/// time. What a test reads is plain values, and buffers the condition owns: reading them retains
/// nothing either.
final class CompiledCondition: @unchecked Sendable {
    /// What the prefilter and messages read (not the hot path).
    let condition: FieldCondition
    /// Whether a pattern is `null` (the field may be missing): known once, not searched per test.
    let acceptsMissing: Bool
    let exists: Bool?
    let requiresAll: Bool
    let negated: Bool
    /// Immutable after `init`, freed in `deinit`: what makes the class safe to share.
    let sources: UnsafeMutableBufferPointer<CompiledSource>
    /// Nil when a pattern is a regular expression or a network: those are tested through `condition`.
    let tests: UnsafeMutableBufferPointer<PatternTest>?
    /// The same tests as one `contains` list, when that is what they are (``ContainsList``).
    let containsList: ContainsList?
    private let paths: [UnsafeMutableBufferPointer<PathKey>]

    init(_ condition: FieldCondition) {
        self.condition = condition
        acceptsMissing = condition.patterns.contains { if case .null = $0 { true } else { false } }
        exists = condition.exists
        requiresAll = condition.requiresAll
        negated = condition.negated
        var paths: [UnsafeMutableBufferPointer<PathKey>] = []
        sources = .allocate(capacity: condition.sources.count)
        for (index, source) in condition.sources.enumerated() {
            let path = PathKey.allocate(source.path ?? [])
            paths.append(path)
            sources.initializeElement(at: index, to: source.compiled(path: UnsafeBufferPointer(path)))
        }
        self.paths = paths
        let tests = condition.patterns.compactMap(PatternTest.init)
        if tests.count == condition.patterns.count {
            self.tests = .allocate(capacity: tests.count)
            _ = self.tests!.initialize(from: tests)
            containsList = ContainsList(self.tests!)
        } else {
            self.tests = nil
            containsList = nil
        }
    }

    deinit {
        sources.deallocate()
        tests?.deallocate()
        containsList?.deallocate()
        for path in paths { PathKey.deallocate(path) }
    }
}
