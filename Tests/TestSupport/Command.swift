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

/// A child process whose output goes to temporary files, started with
/// `posix_spawnp(3)` and watched with `waitpid(2)`. (Foundation's `Process`
/// crashed in `run()` when several tests started programs at once, and never
/// saw a tmux client exit when it left its server behind.)
public final class BackgroundProcess: @unchecked Sendable {
    public let arguments: [String]
    public let pid: pid_t
    private let outPath: String
    private let errPath: String
    private let lock = NSLock()
    private var status: Int32?

    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        guard let first = arguments.first else { throw Command.Failure(description: "empty command") }
        self.arguments = arguments
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("mptcp-e2e-\(UUID().uuidString)").path
        outPath = base + ".out"
        errPath = base + ".err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        // The test runner's threads block most signals and ignore SIGPIPE, and a
        // spawned child inherits both: a tmux server started that way never saw
        // its pane exit (SIGCHLD blocked) and outlived `kill-server`. Children
        // start with no signal blocked and every disposition at its default.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let result = posix_spawnp(&child, first, &actions, &attributes, argv, envp)
        guard result == 0 else { throw Command.Failure(description: "posix_spawnp \(first): \(String(cString: strerror(result)))") }
        pid = child
    }

    /// Reaps the child if it exited (`waitpid` with WNOHANG).
    private func poll() -> Int32? {
        lock.lock(); defer { lock.unlock() }
        if let status { return status }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        guard result == pid else { return result < 0 ? -1 : nil }
        let signal = raw & 0x7f
        status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
        return status
    }

    public var isRunning: Bool { poll() == nil }
    public var exitStatus: Int32? { poll() }
    public var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    /// Waits until the process exits; false if it is still running after `timeout`.
    public func waitForExit(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning, Date() < deadline { usleep(20_000) }
        return !isRunning
    }

    /// Waits until `condition` holds on what the process wrote (bounded).
    public func waitForOutput(timeout: Double, _ condition: (String, String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(stdout, stderr) { return true }
            if !isRunning { return condition(stdout, stderr) }
            usleep(20_000)
        }
        return false
    }

    /// Sends `signal` (SIGTERM by default).
    public func signal(_ number: Int32 = SIGTERM) {
        if isRunning { kill(pid, number) }
    }

    /// SIGTERM, then SIGKILL if it is still running after `grace` seconds.
    public func stop(grace: Double = 5) {
        guard isRunning else { return }
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
