import Testing
@testable import KubeSiftCore

@Suite("Hex: digests as reports write them")
struct HexTests {
    @Test("Two lowercase digits per byte, leading zeros kept")
    func digits() {
        #expect([UInt8]([0x00, 0x0f, 0xa0, 0xff, 0x5c]).lowercaseHex == "000fa0ff5c")
        #expect([UInt8]().lowercaseHex == "")
        #expect((0...255).map(UInt8.init).lowercaseHex.count == 512)
    }
}
