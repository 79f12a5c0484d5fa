import Foundation

/// A tmux server of its own (`-S`, its socket in the test's own temporary
/// directory, removed with it), for driving a terminal program as a person
/// would: send keys, read the screen.
public final class Tmux: @unchecked Sendable {
    private let directory: TemporaryDirectory
    public let socket: String
    public let session = "top"

    public static var available: Bool { Command.which("tmux") != nil }

    /// Starts `command` (a shell command line) in a detached session of `width`×`height`.
    public init(command: String, width: Int = 120, height: Int = 40) throws {
        directory = try TemporaryDirectory("tmux")
        socket = directory.file("socket")
        try Command.check(["tmux", "-S", socket, "-f", "/dev/null", "new-session", "-d", "-s", session,
                           "-x", "\(width)", "-y", "\(height)", command])
        try Command.check(["tmux", "-S", socket, "set-option", "-t", session, "remain-on-exit", "on"])
    }

    public func keys(_ keys: String...) throws {
        try Command.check(["tmux", "-S", socket, "send-keys", "-t", session] + keys)
    }

    /// The visible screen as text.
    public func capture() throws -> String {
        try Command.check(["tmux", "-S", socket, "capture-pane", "-p", "-t", session])
    }

    /// Waits (bounded) until the screen satisfies `condition`; returns the last capture.
    @discardableResult
    public func waitFor(timeout: Double = 15, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = try capture()
            if condition(screen) { return screen }
            usleep(100_000)
        }
        return screen
    }

    public var paneDead: Bool {
        (try? Command.check(["tmux", "-S", socket, "display-message", "-p", "-t", session, "#{pane_dead}"]))?.hasPrefix("1") == true
    }

    deinit {
        _ = try? Command.run(["tmux", "-S", socket, "kill-server"], timeout: 10)
    }
}
