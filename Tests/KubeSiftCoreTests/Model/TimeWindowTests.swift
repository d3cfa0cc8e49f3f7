import Testing
@testable import KubeSiftCore

@Suite struct TimeWindowTests {
    let now = Timestamp(microseconds: EventLine.baseTime)
    let hour: Int64 = 3_600_000_000

    @Test func sinceIsInclusiveAndUntilExclusive() {
        let since = Timestamp(microseconds: 1_000)
        let until = Timestamp(microseconds: 2_000)
        let window = TimeWindow(since: since, until: until)
        #expect(window.contains(since))
        #expect(window.contains(Timestamp(microseconds: 1_999)))
        #expect(!window.contains(until))
        #expect(!window.contains(Timestamp(microseconds: 999)))
    }

    @Test func openEndsContainEverythingOnTheirSide() {
        let point = Timestamp(microseconds: 5)
        #expect(TimeWindow(since: point, until: nil).contains(Timestamp(microseconds: .max)))
        #expect(TimeWindow(since: nil, until: point).contains(Timestamp(microseconds: .min)))
        #expect(TimeWindow.unbounded.isUnbounded)
        #expect(!TimeWindow(since: point, until: nil).isUnbounded)
    }

    @Test(arguments: [
        ("30s", 30_000_000), ("15m", 900_000_000), ("24h", 86_400_000_000), ("7d", 604_800_000_000),
        ("2w", 1_209_600_000_000), ("1d12h", 129_600_000_000), ("2h30m", 9_000_000_000), ("0s", 0),
    ] as [(String, Int64)])
    func resolvesADurationBackFromNow(text: String, microseconds: Int64) {
        #expect(TimeWindow.parseDuration(text) == microseconds)
        #expect(TimeWindow.resolve(text, now: now) == Timestamp(microseconds: now.microseconds - microseconds))
    }

    @Test func resolvesAbsoluteTimesWithoutLookingAtNow() {
        let absolute = "2026-11-20T00:00:00Z"
        let midnight = Timestamp(microseconds: EventLine.baseTime - 27 * hour)
        #expect(TimeWindow.resolve(absolute, now: now) == midnight)
        #expect(TimeWindow.resolve(absolute, now: Timestamp(microseconds: 0)) == midnight)
        #expect(TimeWindow.resolve(" 2026-11-20 ", now: now) == midnight, "a date alone is its UTC midnight")
    }

    @Test(arguments: ["yesterday", "5x", "1d-2h", "h", "12", "", "1.5h", "2026-13-01T00:00:00Z", "99999999999999999999w",
                      "1M", "１h"])
    func rejectsWhatIsNeitherATimeNorADuration(_ text: String) {
        #expect(TimeWindow.resolve(text, now: now) == nil)
    }

    @Test func aDurationTooLargeForMicrosecondsIsRejectedNotWrapped() {
        // 16 000 000 weeks is about 9.7e18 µs, past Int64.max (9.2e18).
        #expect(TimeWindow.parseDuration("16000000w") == nil)
        #expect(TimeWindow.parseDuration("15000000w") == Int64(15_000_000) * 604_800_000_000)
    }

    @Test func aCompoundDurationWhoseSumOverflowsIsRejectedNotATrap() {
        // Each part fits in Int64 microseconds; their sum does not.
        #expect(TimeWindow.parseDuration("15000000w15000000w") == nil)
        #expect(TimeWindow.resolve("15000000w15000000w", now: now) == nil)
    }

    @Test func aNumberOneDigitPastInt64IsRejectedNotATrap() {
        // 922337203685477580 × 10 still fits; adding the last digit 9 does not.
        #expect(TimeWindow.parseDuration("9223372036854775809s") == nil)
    }

    @Test func aDurationReachingBeforeTheRepresentableRangeIsRejectedNotATrap() throws {
        let yearZero = try #require(Timestamp(rfc3339: "0000-01-01T00:00:00Z"))
        // 15 200 000 weeks (9.19e18 µs) fit; year 0 (-6.2e16 µs) minus them does not.
        #expect(TimeWindow.parseDuration("15200000w") != nil)
        #expect(TimeWindow.resolve("15200000w", now: yearZero) == nil)
    }
}
