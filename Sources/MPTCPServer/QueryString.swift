/// The parameters of a request target's query string: `a=1&b=x%20y`,
/// percent-decoded, `+` as a space, in order. Malformed escapes are kept as
/// written; bytes that are not UTF-8 become U+FFFD. Bounded: at most 64
/// parameters are read.
public enum QueryString {
    public static func parse(_ uri: String) -> [(name: String, value: String)] {
        guard let mark = uri.firstIndex(of: "?") else { return [] }
        let query = uri[uri.index(after: mark)...].prefix { $0 != "#" }
        var parameters: [(name: String, value: String)] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true).prefix(64) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            parameters.append((decode(parts[0]), parts.count > 1 ? decode(parts[1]) : ""))
        }
        return parameters
    }

    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
               let high = hex(utf8[index + 1]), let low = hex(utf8[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
                continue
            }
            bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
