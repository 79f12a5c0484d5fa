import Foundation

/// Runs programs for the end-to-end tests. Output goes to temporary files (no
/// pipe can fill up and block the child), and every wait has a deadline.
public enum Command {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var succeeded: Bool { status == 0 }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Runs `arguments` (the first is looked up in PATH) and waits at most `timeout` seconds.
    @discardableResult
    public static func run(_ arguments: [String], timeout: Double = 60, environment: [String: String] = [:]) throws -> Result {
        let process = try BackgroundProcess(arguments, environment: environment)
        guard process.waitForExit(timeout: timeout) else {
            process.stop()
            throw Failure(description: "timed out after \(timeout) s: \(arguments.joined(separator: " "))")
        }
        return Result(status: process.exitStatus ?? -1, stdout: process.stdout, stderr: process.stderr)
    }

    /// Runs `arguments` and throws unless it exits 0.
    @discardableResult
    public static func check(_ arguments: [String], timeout: Double = 60) throws -> String {
        let result = try run(arguments, timeout: timeout)
        guard result.succeeded else {
            throw Failure(description: "\(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)\(result.stdout)")
        }
        return result.stdout
    }

    /// Runs a program that leaves a daemon behind (tmux starting its server)
    /// with `posix_spawnp` and `waitpid`: Foundation's Process keeps reporting
    /// such a child as running. Output goes to /dev/null; returns the exit status.
    @discardableResult
    public static func spawnAndWait(_ arguments: [String], timeout: Double = 20) throws -> Int32 {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY, 0)
        }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let status = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        guard status == 0 else { throw Failure(description: "posix_spawnp \(arguments[0]): \(status)") }
        let deadline = Date().addingTimeInterval(timeout)
        var waitStatus: Int32 = 0
        while Date() < deadline {
            let result = waitpid(pid, &waitStatus, WNOHANG)
            if result == pid { return (waitStatus >> 8) & 0xff }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        throw Failure(description: "timed out after \(timeout) s: \(arguments.joined(separator: " "))")
    }

    /// The absolute path of `name` in PATH, or nil.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        for directory in (path + ":/usr/sbin:/sbin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// A child process whose output goes to temporary files.
public final class BackgroundProcess: @unchecked Sendable {
    public let arguments: [String]
    private let process = Process()
    private let outPath: String
    private let errPath: String

    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        guard let first = arguments.first else { throw Command.Failure(description: "empty command") }
        self.arguments = arguments
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("mptcp-e2e-\(UUID().uuidString)").path
        outPath = base + ".out"
        errPath = base + ".err"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let executable = first.hasPrefix("/") ? first : (Command.which(first) ?? first)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(arguments.dropFirst())
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }
    public var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    /// Waits until the process exits; false if it is still running after `timeout`.
    public func waitForExit(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        return !process.isRunning
    }

    /// Waits until `condition` holds on what the process wrote (bounded).
    public func waitForOutput(timeout: Double, _ condition: (String, String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(stdout, stderr) { return true }
            if !process.isRunning { return condition(stdout, stderr) }
            usleep(20_000)
        }
        return false
    }

    /// Sends `signal` (SIGTERM by default).
    public func signal(_ number: Int32 = SIGTERM) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    /// SIGTERM, then SIGKILL if it is still running after `grace` seconds.
    public func stop(grace: Double = 5) {
        guard process.isRunning else { return }
        signal(SIGTERM)
        if !waitForExit(timeout: grace) {
            signal(SIGKILL)
            _ = waitForExit(timeout: 5)
        }
    }

    deinit {
        stop(grace: 1)
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
    }
}
