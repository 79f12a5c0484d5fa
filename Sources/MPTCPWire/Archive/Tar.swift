/// A minimal POSIX ustar archive: regular files only, names up to 100 bytes.
/// Enough for snapshot archives, readable by `tar -xf`.
public enum Tar {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var contents: [UInt8]
        public init(name: String, contents: [UInt8]) {
            self.name = name
            self.contents = contents
        }
    }

    public enum ReadError: Error, Equatable, CustomStringConvertible {
        case truncated(String)
        case badHeader(offset: Int)
        public var description: String {
            switch self {
            case let .truncated(name): return "archive cut short in \(name)"
            case let .badHeader(offset): return "not a tar header at byte \(offset)"
            }
        }
    }

    public static func write(_ entries: [Entry], modificationTime: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        for entry in entries {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int, length: Int) {
                for (index, byte) in text.utf8.prefix(length).enumerated() { header[offset + index] = byte }
            }
            func octal(_ value: Int, length: Int) -> String {
                let digits = String(value, radix: 8)
                return String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits
            }
            put(entry.name, at: 0, length: 100)
            put(octal(0o644, length: 8), at: 100, length: 7)
            put(octal(0, length: 8), at: 108, length: 7)
            put(octal(0, length: 8), at: 116, length: 7)
            put(octal(entry.contents.count, length: 12), at: 124, length: 11)
            put(octal(modificationTime, length: 12), at: 136, length: 11)
            put("        ", at: 148, length: 8)
            header[156] = UInt8(ascii: "0")
            put("ustar", at: 257, length: 6)
            put("00", at: 263, length: 2)
            let checksum = header.reduce(0) { $0 + Int($1) }
            put(octal(checksum, length: 7), at: 148, length: 6)
            header[154] = 0
            header[155] = UInt8(ascii: " ")
            out += header
            out += entry.contents
            out += [UInt8](repeating: 0, count: (512 - entry.contents.count % 512) % 512)
        }
        out += [UInt8](repeating: 0, count: 1024)
        return out
    }

    public static func read(_ bytes: [UInt8]) throws(ReadError) -> [Entry] {
        var entries: [Entry] = []
        var offset = 0
        while offset + 512 <= bytes.count {
            let header = Array(bytes[offset..<(offset + 512)])
            if header.allSatisfy({ $0 == 0 }) { break }
            let name = String(decoding: header[0..<100].prefix { $0 != 0 }, as: UTF8.self)
            let sizeText = String(decoding: header[124..<136].prefix { $0 != 0 && $0 != UInt8(ascii: " ") }, as: UTF8.self)
            guard let size = Int(sizeText, radix: 8), size >= 0 else { throw .badHeader(offset: offset) }
            let start = offset + 512
            guard size <= bytes.count - start else { throw .truncated(name) }
            if header[156] == UInt8(ascii: "0") || header[156] == 0 {
                entries.append(Entry(name: name, contents: Array(bytes[start..<(start + size)])))
            }
            offset = start + (size + 511) / 512 * 512
        }
        return entries
    }
}
