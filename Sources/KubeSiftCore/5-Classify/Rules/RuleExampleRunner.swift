/// Runs every rule's examples through the same decoder, matcher and correlator an analysis uses,
/// and reports each example that does not do what its rule says it does.
package enum RuleExampleRunner {
    package struct Failure: Sendable, Equatable, CustomStringConvertible {
        package var rule: String
        package var file: String
        package var line: Int
        package var expectedMatch: Bool

        package var description: String {
            "\(file):\(line): rule `\(rule)`: this example \(expectedMatch ? "should match but does not" : "should not match but does")"
        }
    }

    package struct Outcome: Sendable {
        package var examplesRun = 0
        package var rulesWithoutExamples: [String] = []
        package var failures: [Failure] = []
    }

    /// Checks the examples of every rule in `ruleSet` (or only those `only` names).
    package static func run(_ ruleSet: RuleSet, only: Set<String>? = nil) -> Outcome {
        var outcome = Outcome()
        for definition in ruleSet.all {
            let metadata = definition.metadata
            if let only, !only.contains(metadata.name), !only.contains(metadata.id) { continue }
            if metadata.examples.isEmpty {
                outcome.rulesWithoutExamples.append(metadata.name)
                continue
            }
            for (cases, expected) in [(metadata.examples.match, true), (metadata.examples.noMatch, false)] {
                for example in cases {
                    outcome.examplesRun += 1
                    if matches(definition, events: example.events, in: ruleSet) != expected {
                        outcome.failures.append(Failure(rule: metadata.name, file: metadata.origin.path,
                                                        line: example.line, expectedMatch: expected))
                    }
                }
            }
        }
        return outcome
    }

    /// Whether the events make `definition` fire: a detection rule matches one of their requests
    /// (whether or not it makes findings of its own), a correlation makes a finding.
    static func matches(_ definition: RuleDefinition, events: [JSONValue], in ruleSet: RuleSet) -> Bool {
        let classified = classify(events, ruleSet: ruleSet)
        switch definition {
        case let .detection(rule):
            guard let index = ruleSet.detections.firstIndex(where: { $0.metadata.id == rule.metadata.id }) else {
                return false
            }
            return classified.assembler.matchedRequests([classified.hits]).contains { $0.rule == index }
        case let .correlation(rule):
            return classified.assembler.assemble([classified.hits])
                .contains { $0.kind == .correlation && $0.rule.id == rule.metadata.id }
        }
    }

    /// The findings `ruleSet` makes of `events`, as if they were the lines of one file.
    package static func findings(for events: [JSONValue], ruleSet: RuleSet) -> [Finding] {
        let classified = classify(events, ruleSet: ruleSet)
        return classified.assembler.assemble([classified.hits])
    }

    /// The names of the detection rules an event matches, whether or not they make findings.
    package static func matchingRules(for event: JSONValue, ruleSet: RuleSet) -> [String] {
        let classified = classify([event], ruleSet: ruleSet)
        return classified.assembler.matchedRequests([classified.hits]).map { ruleSet.detections[$0.rule].metadata.name }
    }

    struct Classified {
        var hits: [RuleHit]
        var assembler: FindingAssembler
    }

    /// Decodes and classifies events the way a decode worker does (without windows or duplicates).
    static func classify(_ events: [JSONValue], ruleSet: RuleSet) -> Classified {
        let classifier = Classifier(ruleSet: ruleSet)
        let seeds = HashSeeds.random()
        var stages: [Fingerprint: UInt8] = [:]
        let decoder = RecordDecoder()
        var unescaped: [UInt8] = []
        for (index, event) in events.enumerated() {
            var bytes = Array(event.serialized().utf8)
            bytes.withUnsafeMutableBufferPointer { buffer in
                decoder.decode(UnsafePointer(buffer.baseAddress!), start: 0, end: buffer.count, emit: { scanned, base in
                    let request = RequestFingerprint.of(scanned, base: base, seeds: seeds, unescaped: &unescaped)
                    let stage = DecodeWorker.stage(of: scanned, base: base)
                    stages[request, default: 0] |= stage.rawValue
                    classifier.classify(
                        scanned, base: base, request: request, stage: stage,
                        time: DecodeWorker.requestTime(of: scanned, base: base),
                        location: HitLocation(member: MemberKey(file: 0, member: 0), sequence: index, line: .absolute(1)))
                }, note: { _, _ in })
            }
        }
        let seen = stages
        let assembler = FindingAssembler(
            ruleSet: ruleSet, locate: { location in ("example", nil, location.sequence + 1, nil) },
            stagesSeen: { requests in requests.map { seen[$0.request] ?? 0 } })
        return Classified(hits: classifier.hits.takeAll(), assembler: assembler)
    }
}

extension JSONValue {
    /// Compact JSON text, object members in their order.
    package func serialized() -> String {
        var output = ""
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case let .bool(value): output += value ? "true" : "false"
        case let .number(text): output += text
        case let .string(text): Self.writeString(text, to: &output)
        case let .array(elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                element.write(to: &output)
            }
            output += "]"
        case let .object(members):
            output += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { output += "," }
                Self.writeString(member.key, to: &output)
                output += ":"
                member.value.write(to: &output)
            }
            output += "}"
        }
    }

    private static func writeString(_ text: String, to output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                output += "\\u" + String(scalar.value, radix: 16).leftPadded(to: 4)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
