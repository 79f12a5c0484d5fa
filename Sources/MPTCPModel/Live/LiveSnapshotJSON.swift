import FoundationEssentials

/// JSON of a ``LiveSnapshot`` (snake-case keys, sorted: the documented
/// schema), written by `/api/v1/snapshot` and read by `mptcp-top --source`.
public enum LiveSnapshotJSON {
    public static func encode(_ snapshot: LiveSnapshot) -> [UInt8] {
        encodeAny(snapshot)
    }

    /// The same encoding for the other documents of the exporter (probe results).
    public static func encodeAny<Value: Encodable>(_ value: Value) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return (try? [UInt8](encoder.encode(value))) ?? Array("{}".utf8)
    }

    /// Bytes from an exporter, trusted for nothing: a decoding error, never a trap.
    public static func decode(_ bytes: [UInt8]) throws -> LiveSnapshot {
        try decodeAny(LiveSnapshot.self, bytes)
    }

    /// The same decoding for the other documents (the ledger's closed connections in an archive).
    public static func decodeAny<Value: Decodable>(_ type: Value.Type, _ bytes: [UInt8]) throws -> Value {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: Data(bytes))
    }
}
