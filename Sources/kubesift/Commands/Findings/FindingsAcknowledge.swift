import ArgumentParser

extension KubeSift.Findings {
    struct Acknowledge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ack", abstract: "Acknowledge a finding: seen, and expected or handled.")

        @OptionGroup var disposition: DispositionOptions

        func run() throws { try disposition.record(.acknowledged) }
    }
}
