import Foundation
import Testing
@testable import KubeSiftCore

@Suite struct TimestampTests {
    /// 2026-11-21T03:00:00Z, computed with Python's `datetime` (see `EventLine.baseTime`).
    let base = EventLine.baseTime

    @Test func parsesMicrosecondsInUTC() throws {
        let parsed = try #require(Timestamp(rfc3339: "2026-11-21T03:00:00.123456Z"))
        #expect(parsed.microseconds == base + 123_456)
    }

    @Test func appliesANumericOffset() throws {
        let east = try #require(Timestamp(rfc3339: "2026-11-21T05:00:00+02:00"))
        let west = try #require(Timestamp(rfc3339: "2026-11-20T22:30:00-04:30"))
        #expect(east.microseconds == base)
        #expect(west.microseconds == base)
    }

    @Test func acceptsLowerCaseSeparators() throws {
        #expect(Timestamp(rfc3339: "2026-11-21t03:00:00z")?.microseconds == base)
    }

    @Test(arguments: [(".5", 500_000), (".05", 50_000), (".123", 123_000), (".1234567", 123_456), ("", 0)])
    func scalesAnyNumberOfFractionalDigitsToMicroseconds(fraction: String, micros: Int64) {
        #expect(Timestamp(rfc3339: "2026-11-21T03:00:00\(fraction)Z")?.microseconds == base + micros)
    }

    @Test(arguments: [
        "2026-13-01T00:00:00Z", "2026-11-32T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T03:60:00Z",
        "2026-11-21T03:00:00", "2026-11-21T03:00:00.Z", "2026-11-21T03:00:00Zjunk", "2026-11-21T03:00:00+0200",
        "2026-11-21 03:00:00Z", "2026-11-21", "", "yesterday", "2026-11-21T03:00:00.123456+02",
    ])
    func rejectsWhatIsNotRFC3339(_ text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test func describesInTheFormKubeApiserverWrites() {
        #expect(Timestamp(microseconds: base + 7).description == "2026-11-21T03:00:00.000007Z")
    }

    @Test func descriptionAgreesWithTheCLibraryAndParsesBack() {
        var generator = SeededGenerator(seed: 0x7157)
        for _ in 0..<2_000 {
            // 1970 … 2099, microsecond resolution.
            let micros = Int64.random(in: 0..<(4_102_444_800 * 1_000_000), using: &generator)
            let timestamp = Timestamp(microseconds: micros)
            #expect(timestamp.description == EventLine.rfc3339(micros))
            #expect(Timestamp(rfc3339: timestamp.description) == timestamp)
        }
    }

    @Test func roundTripsBeforeTheEpoch() throws {
        let timestamp = try #require(Timestamp(rfc3339: "1969-12-31T23:59:59.999999Z"))
        #expect(timestamp.microseconds == -1)
        #expect(timestamp.description == "1969-12-31T23:59:59.999999Z")
    }

    @Test func leapDayExists() throws {
        let leap = try #require(Timestamp(rfc3339: "2028-02-29T00:00:00Z"))
        let next = try #require(Timestamp(rfc3339: "2028-03-01T00:00:00Z"))
        #expect(next.microseconds - leap.microseconds == 86_400_000_000)
    }

    @Test func hourStartFloorsToTheUTCHour() throws {
        let inside = try #require(Timestamp(rfc3339: "2026-11-21T03:59:59.999999Z"))
        #expect(inside.hourStart.microseconds == base)
        #expect(Timestamp(microseconds: -1).hourStart.microseconds == -3_600_000_000)
    }

    @Test func encodesAndDecodesAsText() throws {
        let timestamp = Timestamp(microseconds: base + 42)
        let data = try JSONEncoder().encode([timestamp])
        #expect(String(decoding: data, as: UTF8.self) == #"["2026-11-21T03:00:00.000042Z"]"#)
        #expect(try JSONDecoder().decode([Timestamp].self, from: data) == [timestamp])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Timestamp].self, from: Data(#"["soon"]"#.utf8)) }
    }
}
