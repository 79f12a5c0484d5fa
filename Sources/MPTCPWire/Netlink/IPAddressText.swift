extension IPAddress {
    /// Parses the text ``description`` produces (dotted IPv4, or IPv6 with `::`).
    public init?(parsing text: String) {
        if !text.contains(":") {
            let parts = text.split(separator: ".").compactMap { UInt8($0) }
            guard parts.count == 4 else { return nil }
            self.init(family: IPAddress.inet, bytes: parts)
            return
        }
        var body = Substring(text)
        var embedded: [UInt8] = []
        if let lastColon = body.lastIndex(of: ":"), body[body.index(after: lastColon)...].contains(".") {
            embedded = body[body.index(after: lastColon)...].split(separator: ".").compactMap { UInt8($0) }
            guard embedded.count == 4 else { return nil }
            body = body[...lastColon] + "0:0"
        }
        let halves = body.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: Substring) -> [UInt16]? {
            part.isEmpty ? [] : part.split(separator: ":").map { UInt16($0, radix: 16) }.allSatisfy { $0 != nil }
                ? part.split(separator: ":").compactMap { UInt16($0, radix: 16) } : nil
        }
        guard let head = groups(halves[0]), let tail = halves.count == 2 ? groups(halves[1]) : [] else { return nil }
        let missing = 8 - head.count - tail.count
        guard missing >= 0, halves.count == 2 || missing == 0 else { return nil }
        var all = head + [UInt16](repeating: 0, count: missing) + tail
        if embedded.count == 4 { all[6] = UInt16(embedded[0]) << 8 | UInt16(embedded[1]); all[7] = UInt16(embedded[2]) << 8 | UInt16(embedded[3]) }
        self.init(family: IPAddress.inet6, bytes: all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] })
    }
}

private extension Substring {
    func components(separatedBy separator: String) -> [Substring] {
        var parts: [Substring] = []
        var rest = self
        while let range = rest.firstRange(of: separator) {
            parts.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        parts.append(rest)
        return parts
    }
}
