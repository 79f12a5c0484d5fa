import CCrypt

/// bcrypt through libcrypt (`crypt_r(3)` of libxcrypt), which knows the
/// `$2a$`, `$2b$` and `$2y$` variants that Go's bcrypt and htpasswd write.
public enum Bcrypt {
    /// Whether `text` looks like a bcrypt hash: `$2?$NN$` and 53 characters of salt and hash.
    public static func isHash(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
              [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]),
              bytes[3] == UInt8(ascii: "$"), bytes[6] == UInt8(ascii: "$"),
              let cost = Int(String(decoding: bytes[4...5], as: UTF8.self)), (4...31).contains(cost) else { return false }
        let alphabet = Set("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        return bytes[7...].allSatisfy { alphabet.contains($0) }
    }

    /// Whether `password` matches `hash`, compared in constant time.
    public static func verify(password: String, hash: String) -> Bool {
        guard isHash(hash), !password.utf8.contains(0) else { return false }
        guard let computed = crypt(password, setting: hash) else { return false }
        return constantTimeEqual(Array(computed.utf8), Array(hash.utf8))
    }

    /// A new hash of `password` with a random salt (`crypt_gensalt(3)` reads
    /// the salt from the kernel's random source).
    public static func hash(password: String, cost: Int = 10) -> String? {
        guard (4...31).contains(cost), !password.utf8.contains(0) else { return nil }
        var setting = [CChar](repeating: 0, count: 64)
        guard crypt_gensalt_rn("$2b$", UInt(cost), nil, 0, &setting, Int32(setting.count)) != nil else { return nil }
        let settingText = String(decoding: setting.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return crypt(password, setting: settingText)
    }

    private static func crypt(_ password: String, setting: String) -> String? {
        var output = [CChar](repeating: 0, count: 128)
        guard ccrypt_hash(password, setting, &output, output.count) == 0 else { return nil }
        return String(decoding: output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
