import ArgumentParser
import MPTCPServer

#if canImport(Glibc)
import Glibc
#endif

/// `mptcp-exporter hash-password`: a bcrypt hash for `basic_auth_users`.
public struct HashPasswordCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hash-password",
        abstract: "Print a bcrypt hash of a password read from standard input, for basic_auth_users of --web.config.file.",
        discussion: """
        The password is the first line of standard input (so it stays out of the shell history \
        and the process list):
          printf '%s' "$PASSWORD" | mptcp-exporter hash-password
        """)

    @Option(help: "bcrypt cost, 4 to 31 (each step doubles the work; 10 takes about 50 ms).")
    var cost: Int = 10

    public init() {}

    public func validate() throws {
        guard (4...31).contains(cost) else { throw ValidationError("--cost must be between 4 and 31") }
    }

    public func run() throws {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw ValidationError("no password on standard input")
        }
        guard line.utf8.count <= 72 else {
            throw ValidationError("bcrypt uses at most 72 bytes of a password; this one has \(line.utf8.count)")
        }
        guard let hash = Bcrypt.hash(password: line, cost: cost) else {
            throw ValidationError("libcrypt could not make a bcrypt hash")
        }
        print(hash)
    }
}
