/// Parses the line-pair format of `/proc/net/netstat` and `/proc/net/snmp`.
///
/// Pure: bytes in, a ``NetstatTable`` out. Counters are keyed by name, never by
/// position, because kernels insert and remove names between versions (stable
/// backports insert in the middle). Problems never stop the parse: a section
/// whose header and value lines disagree is skipped, a value that is not a
/// 64-bit unsigned number is left out, and each is reported as an issue.
public enum NetstatParser {
    /// Which sections, and which names in them, to keep. The others are
    /// skipped after their prefix: no name becomes a String, nothing is
    /// checked. A scrape keeps MPTcpExt whole and about fifteen TCP counters
    /// of the several hundred fields of both files.
    public struct Selection: Sendable {
        /// Prefix → the wanted names as bytes, or nil for every name.
        let sections: [String: [[UInt8]]?]

        /// - Parameter sections: prefix → wanted names, nil for every name.
        public init(_ sections: [String: [String]?]) {
            self.sections = sections.mapValues { names in names.map { $0.map { Array($0.utf8) } } }
        }
    }

    /// Parses the whole file.
    public static func parse(_ bytes: [UInt8]) -> NetstatTable {
        bytes.withUnsafeBufferPointer { parse(UnsafeRawBufferPointer($0)) }
    }

    /// Parses only the selected sections and names.
    public static func parse(_ bytes: [UInt8], selecting selection: Selection) -> NetstatTable {
        bytes.withUnsafeBufferPointer { parse(UnsafeRawBufferPointer($0), selecting: selection) }
    }

    /// Parses text (convenience for tests and tools).
    public static func parse(_ text: String) -> NetstatTable {
        parse(Array(text.utf8))
    }

    /// Parses the whole file (or only `selection`) from raw memory.
    public static func parse(_ buffer: UnsafeRawBufferPointer, selecting selection: Selection? = nil) -> NetstatTable {
        var table = NetstatTable()
        let lines = nonBlankLines(buffer)

        var seenPrefixes = Set<String>()
        var index = 0
        while index < lines.count {
            let header = lines[index]
            guard let headerFields = splitLine(buffer, header.start, header.end) else {
                table.issues.append(.init(line: header.number, prefix: nil, kind: .malformedLine))
                index += 1
                continue
            }
            guard index + 1 < lines.count else {
                table.issues.append(.init(line: header.number, prefix: headerFields.prefix, kind: .unpairedLine))
                break
            }
            let valueLine = lines[index + 1]
            guard let valueFields = splitLine(buffer, valueLine.start, valueLine.end) else {
                table.issues.append(.init(line: valueLine.number, prefix: nil, kind: .malformedLine))
                index += 2
                continue
            }
            guard valueFields.prefix == headerFields.prefix else {
                // Resynchronise on the next line: the value line may itself be a header.
                table.issues.append(.init(
                    line: header.number, prefix: headerFields.prefix,
                    kind: .prefixMismatch(header: headerFields.prefix, values: valueFields.prefix)))
                index += 1
                continue
            }
            index += 2
            let prefix = headerFields.prefix
            var wanted: [[UInt8]]?
            if let selection {
                guard let names = selection.sections[prefix] else { continue }
                wanted = names
            }
            guard headerFields.fields.count == valueFields.fields.count else {
                table.issues.append(.init(
                    line: header.number, prefix: prefix,
                    kind: .fieldCountMismatch(names: headerFields.fields.count, values: valueFields.fields.count)))
                continue
            }
            guard seenPrefixes.insert(prefix).inserted else {
                table.issues.append(.init(line: header.number, prefix: prefix, kind: .duplicateSection))
                continue
            }
            let section = section(prefix, names: headerFields.fields, values: valueFields.fields, wanted: wanted,
                                  headerLine: header.number, valueLine: valueLine.number, in: buffer, issues: &table.issues)
            table.sections.append(section)
        }
        return table
    }

    /// The lines of the file with their numbers (1-based), blank ones
    /// dropped: the kernel writes none, but a file edited by hand may.
    private static func nonBlankLines(_ buffer: UnsafeRawBufferPointer) -> [(number: Int, start: Int, end: Int)] {
        var lines: [(number: Int, start: Int, end: Int)] = []
        lines.reserveCapacity(16)
        var lineStart = 0
        var number = 0
        for index in 0..<buffer.count where buffer[index] == UInt8(ascii: "\n") {
            number += 1
            lines.append((number, lineStart, index))
            lineStart = index + 1
        }
        if lineStart < buffer.count {
            number += 1
            lines.append((number, lineStart, buffer.count))
        }
        lines.removeAll { line in
            (line.start..<line.end).allSatisfy { isSpace(buffer[$0]) }
        }
        return lines
    }

    /// One section's counters from its paired name and value fields (only
    /// the `wanted` names when given); duplicate names and values that are
    /// not numbers become issues.
    private static func section(
        _ prefix: String, names: [Range<Int>], values: [Range<Int>], wanted: [[UInt8]]?,
        headerLine: Int, valueLine: Int, in buffer: UnsafeRawBufferPointer, issues: inout [NetstatParseIssue]
    ) -> NetstatTable.Section {
        var section = NetstatTable.Section(prefix: prefix, counters: [])
        section.counters.reserveCapacity(names.count)
        var seenNames = Set<String>()
        for (nameRange, valueRange) in zip(names, values) {
            if let wanted, !wanted.contains(where: { equal(buffer, nameRange, $0) }) { continue }
            let name = string(buffer, nameRange)
            guard seenNames.insert(name).inserted else {
                issues.append(.init(line: headerLine, prefix: prefix, kind: .duplicateName(name)))
                continue
            }
            if let value = parseUInt64(buffer, valueRange) {
                section.counters.append((name, value))
            } else if let value = parseNegativeInt64(buffer, valueRange) {
                section.signedFields.append((name, value))
            } else {
                issues.append(.init(
                    line: valueLine, prefix: prefix,
                    kind: .invalidValue(name: name, text: string(buffer, valueRange))))
            }
        }
        return section
    }

    // MARK: - Lexing

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    /// Splits `Prefix: f1 f2 …` into the prefix and the ranges of the fields.
    private static func splitLine(
        _ buffer: UnsafeRawBufferPointer, _ start: Int, _ end: Int
    ) -> (prefix: String, fields: [Range<Int>])? {
        var cursor = start
        while cursor < end, isSpace(buffer[cursor]) { cursor += 1 }
        let prefixStart = cursor
        while cursor < end, buffer[cursor] != UInt8(ascii: ":"), !isSpace(buffer[cursor]) { cursor += 1 }
        guard cursor < end, buffer[cursor] == UInt8(ascii: ":"), cursor > prefixStart else { return nil }
        let prefix = string(buffer, prefixStart..<cursor)
        cursor += 1
        var fields: [Range<Int>] = []
        fields.reserveCapacity(128)
        while cursor < end {
            while cursor < end, isSpace(buffer[cursor]) { cursor += 1 }
            let fieldStart = cursor
            while cursor < end, !isSpace(buffer[cursor]) { cursor += 1 }
            if cursor > fieldStart { fields.append(fieldStart..<cursor) }
        }
        return (prefix, fields)
    }

    private static func equal(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ bytes: [UInt8]) -> Bool {
        guard range.count == bytes.count else { return false }
        var offset = 0
        for index in range {
            if buffer[index] != bytes[offset] { return false }
            offset += 1
        }
        return true
    }

    private static func string(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: buffer[range]), as: UTF8.self)
    }

    /// `-` followed by decimal digits, down to Int64.min; anything else is nil.
    static func parseNegativeInt64(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int64? {
        guard range.count >= 2, buffer[range.lowerBound] == UInt8(ascii: "-"),
              let magnitude = parseUInt64(buffer, (range.lowerBound + 1)..<range.upperBound),
              magnitude <= UInt64(Int64.max) + 1
        else { return nil }
        return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
    }

    /// Decimal digits only, at most UInt64.max; anything else is nil.
    static func parseUInt64(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty else { return nil }
        var value: UInt64 = 0
        for index in range {
            let byte = buffer[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }
}
