import ArgumentParser
import DverCLI
import Testing

@Suite("command names")
struct CommandNameTests {
    /// Without a `commandName`, ArgumentParser derives each name from the type's name with
    /// `String(describing:)`, whose dynamic casts scan every protocol conformance in the binary:
    /// a quarter of the start-up time of every `dver` run when it was measured (3 ms).
    @Test("every command spells out its name, so start-up does not derive it from the type")
    func everyCommandIsNamed() {
        var unnamed = [String]()
        var pending: [any ParsableCommand.Type] = [Dver.self]
        while let command = pending.popLast() {
            if command.configuration.commandName == nil { unnamed.append("\(command)") }
            pending += command.configuration.subcommands
        }
        #expect(unnamed.isEmpty, "give these a commandName in their CommandConfiguration: \(unnamed)")
    }
}
