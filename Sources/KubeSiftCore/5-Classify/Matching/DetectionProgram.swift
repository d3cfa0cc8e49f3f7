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
        /// Unless key guard `guard` says one of its paths may have a value, sets the result to false
        /// and jumps to `end`: past an `or` of tests of those paths, which would all fail.
        case skipUnlessKeys(guard: Int, end: Int)
    }

    /// The conditions, which the program's buffers refer to without retaining them.
    let conditions: [CompiledCondition]
    /// Likewise the key guards of its long `or`s of keys (``KeyGuard``).
    private let keyGuards: [KeyGuard]
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
        fileprivate let guards: UnsafeMutableBufferPointer<Unmanaged<KeyGuard>>

        /// Runs the program; `test` says whether a condition holds, `mayHaveKey` whether a key
        /// guard's paths may have a value (always, unless the caller can tell).
        func evaluate(_ test: (CompiledCondition) -> Bool, mayHaveKey: (KeyGuard) -> Bool = { _ in true }) -> Bool {
            var result = false
            var position = 0
            while position < steps.count {
                switch steps[position] {
                case let .test(index):
                    result = tests[index]._withUnsafeGuaranteedRef(test)
                case let .skipUnlessKeys(guardIndex, end):
                    if !guards[guardIndex]._withUnsafeGuaranteedRef(mayHaveKey) {
                        result = false
                        position = end
                        continue
                    }
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
        let guards: UnsafeMutableBufferPointer<Unmanaged<KeyGuard>>

        init(steps: [Step], conditions: [CompiledCondition], guards: [KeyGuard]) {
            self.steps = .allocate(capacity: steps.count)
            _ = self.steps.initialize(from: steps)
            tests = .allocate(capacity: conditions.count)
            _ = tests.initialize(from: conditions.map { Unmanaged.passUnretained($0) })
            self.guards = .allocate(capacity: guards.count)
            _ = self.guards.initialize(from: guards.map { Unmanaged.passUnretained($0) })
        }

        deinit {
            steps.deallocate()
            tests.deallocate()
            guards.deallocate()
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
        keyGuards = builder.guards
        storage = Storage(steps: builder.steps, conditions: builder.conditions, guards: builder.guards)
        code = Code(steps: storage.steps, tests: storage.tests, guards: storage.guards)
    }

    /// The program as it is written, step by step.
    private struct Builder {
        var steps: [Step] = []
        var conditions: [CompiledCondition] = []
        var selections: [[[Int]]] = []
        var guards: [KeyGuard] = []

        mutating func emit(_ expression: ConditionExpression) {
            switch expression {
            case let .selection(index):
                // A selection is an `or` of its alternatives, each an `and` of its conditions.
                let alternatives = selections[index]
                // A long list of keys of one object (a ConfigMap's data): one scan of the object's
                // keys can tell that none is there, and skip every test.
                var skip: Int?
                if alternatives.allSatisfy({ $0.count == 1 }),
                   let guarded = KeyGuard(alternatives.map { conditions[$0[0]] }) {
                    guards.append(guarded)
                    skip = steps.count
                    steps.append(.not) // placeholder, patched after the chain
                }
                emitChain(alternatives.count, all: false) { program, alternative in
                    let conditions = alternatives[alternative]
                    program.emitChain(conditions.count, all: true) { program, condition in
                        program.steps.append(.test(conditions[condition]))
                    }
                }
                if let skip { steps[skip] = .skipUnlessKeys(guard: guards.count - 1, end: steps.count) }
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

    /// Runs the program; `test` says whether a condition holds (key guards never skip a test).
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
        // Key guards stay: the tests they skip read body paths alone, which a fold can only know
        // to be false (a body the event lacks), and then the guard finds no key either.
        return DetectionProgram.Code(steps: steps, tests: program.code.tests, guards: program.code.guards)
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
    /// Immutable after `init` and owned by `compiledSources`: what makes the class safe to share.
    let sources: UnsafeMutableBufferPointer<CompiledSource>
    private let compiledSources: CompiledSources
    /// Nil when a pattern is a regular expression or a network: those are tested through `condition`.
    let tests: UnsafeMutableBufferPointer<PatternTest>?
    /// The same tests as one `contains` list, when that is what they are (``ContainsList``).
    let containsList: ContainsList?

    init(_ condition: FieldCondition) {
        self.condition = condition
        acceptsMissing = condition.patterns.contains { if case .null = $0 { true } else { false } }
        exists = condition.exists
        requiresAll = condition.requiresAll
        negated = condition.negated
        compiledSources = CompiledSources(condition.sources)
        sources = compiledSources.buffer
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
        tests?.deallocate()
        containsList?.deallocate()
    }
}

/// Field sources compiled once, over paths that live as long as they do: what is read for every
/// event is not compiled for every event.
final class CompiledSources: @unchecked Sendable {
    /// Immutable after `init`, freed in `deinit`: what makes the class safe to share.
    let buffer: UnsafeMutableBufferPointer<CompiledSource>
    private let paths: [UnsafeMutableBufferPointer<PathKey>]

    init(_ sources: [FieldSource]) {
        buffer = .allocate(capacity: sources.count)
        paths = sources.map { PathKey.allocate($0.path ?? []) }
        for (index, source) in sources.enumerated() {
            buffer.initializeElement(at: index, to: source.compiled(path: UnsafeBufferPointer(paths[index])))
        }
    }

    deinit {
        buffer.deallocate()
        for path in paths { PathKey.deallocate(path) }
    }
}

/// What an `or` of many single tests of objects' keys needs to know first (a ConfigMap's data:
/// `requestObject.data.password`, `requestObject.data.api_key`, … each `'*'`): whether the objects
/// have any of those keys. One scan of each object's keys answers, where each test walked to its
/// object and looked its key up; when none is there, every test fails, since each needs a value.
///
/// Made only for tests that need a value (not negated, not `|all`, not `|exists: false`, no `null`
/// pattern), each of one body path without `*`; the paths are grouped by their object (the path
/// less its last key).
final class KeyGuard: @unchecked Sendable {
    // SAFETY: immutable after `init`; its buffers are freed in `deinit`.
    /// Per object: the body, the path to the object, and the keys looked up in it.
    let groups: [(part: EventBody, prefix: UnsafeMutableBufferPointer<PathKey>,
                  keys: UnsafeMutableBufferPointer<PathKey>)]

    /// Fewer tests than this are left to run as they are.
    static let minimumKeys = 8

    init?(_ conditions: [CompiledCondition]) {
        guard conditions.count >= Self.minimumKeys else { return nil }
        var objects: [(part: EventBody, prefix: [String], keys: [String])] = []
        for condition in conditions {
            guard !condition.negated, !condition.requiresAll, !condition.acceptsMissing, condition.exists != false,
                  condition.condition.sources.count == 1,
                  case let .body(part, path) = condition.condition.sources[0], let key = path.last, !path.contains("*")
            else { return nil }
            let prefix = Array(path.dropLast())
            if let object = objects.firstIndex(where: { $0.part == part && $0.prefix == prefix }) {
                objects[object].keys.append(key)
            } else {
                objects.append((part, prefix, [key]))
            }
        }
        groups = objects.map { ($0.part, PathKey.allocate($0.prefix), PathKey.allocate($0.keys)) }
    }

    deinit {
        for group in groups {
            PathKey.deallocate(group.prefix)
            PathKey.deallocate(group.keys)
        }
    }
}
