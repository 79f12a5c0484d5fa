import Dispatch
import Synchronization

/// Checks `Authorization: Basic …` against the bcrypt hashes of
/// `basic_auth_users`.
///
/// bcrypt is slow on purpose (about 50 ms at cost 10), far too slow for every
/// scrape: credentials that were verified are remembered (at most 64 distinct
/// header values, forgotten all at once beyond that), so a Prometheus server
/// pays once. An unknown user costs the same bcrypt as a known one, so that
/// timing does not tell which user names exist.
public final class BasicAuthenticator: Sendable {
    private let users: [String: String]
    private let verified = Mutex<Set<String>>([])
    /// A valid hash that no password matches, for unknown users.
    private static let decoy = "$2b$10$" + String(repeating: "A", count: 53)

    public init(users: [String: String]) { self.users = users }

    public var enabled: Bool { !users.isEmpty }

    /// Whether the request may proceed. Remembered credentials answer at
    /// once; a bcrypt runs on a dispatch queue, not on Swift's cooperative
    /// threads that serve the other connections.
    public func allows(authorization: String?) async -> Bool {
        guard enabled else { return true }
        if let authorization, verified.withLock({ $0.contains(authorization) }) { return true }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.allowsNow(authorization: authorization)) }
        }
    }

    /// The same check, synchronously (bcrypt on the calling thread).
    public func allowsNow(authorization: String?) -> Bool {
        guard enabled else { return true }
        guard let authorization, let (user, password) = Self.credentials(authorization) else { return false }
        if verified.withLock({ $0.contains(authorization) }) { return true }
        guard let hash = users[user] else {
            _ = Bcrypt.verify(password: password, hash: Self.decoy)
            return false
        }
        guard Bcrypt.verify(password: password, hash: hash) else { return false }
        verified.withLock {
            if $0.count >= 64 { $0.removeAll() }
            $0.insert(authorization)
        }
        return true
    }

    /// The user and password of a `Basic` authorization value (RFC 7617).
    public static func credentials(_ header: String) -> (String, String)? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let decoded = Base64.decode(parts[1].trimmingCharacters(in: " \t")),
              let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let user = String(decoding: decoded[..<colon], as: UTF8.self)
        let password = String(decoding: decoded[(colon + 1)...], as: UTF8.self)
        return (user, password)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        let characters = Set(set)
        var slice = self[...]
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return slice
    }
}

/// Standard base64 (RFC 4648 §4), with or without padding; nil on anything else.
enum Base64 {
    static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") {
                padding += 1
                guard padding <= 2 else { return nil }
                continue
            }
            guard padding == 0, let value = sextet(byte) else { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        guard bits < 6 else { return nil }
        return output
    }

    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
