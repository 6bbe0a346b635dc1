package dev.celadon.reconciler.spec;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.scanner.ScannerException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What SnakeYAML's parser throws besides its own errors, positioned; its own, as they are. */
class ReaderFailuresTest {

    /** A parser that fails as SnakeYAML might on some text no fuzzer has found yet. */
    private record Failing(RuntimeException failure) implements Parser {
        @Override
        public boolean checkEvent(Event.ID choice) {
            throw failure;
        }

        @Override
        public Event peekEvent() {
            throw failure;
        }

        @Override
        public Event getEvent() {
            throw failure;
        }
    }

    @Test
    void anyOtherFailureIsAPositionedScannerError() {
        StreamReader reader = new StreamReader("a: b\n");
        reader.forward(3);
        ReaderFailures parser = new ReaderFailures(new Failing(new ArrayIndexOutOfBoundsException(7)), reader);

        assertThatThrownBy(parser::getEvent).isInstanceOfSatisfying(ScannerException.class, e -> {
            assertThat(e.getProblem()).isEqualTo("the YAML reader failed here (ArrayIndexOutOfBoundsException)");
            assertThat(e.getProblemMark().getColumn()).isEqualTo(3);
        });
        assertThatThrownBy(parser::peekEvent).isInstanceOf(ScannerException.class);
        assertThatThrownBy(() -> parser.checkEvent(Event.ID.Scalar)).isInstanceOf(ScannerException.class);
    }

    @Test
    void snakeYamlsOwnErrorsPassAsTheyAre() {
        YAMLException own = new YAMLException("its own words");
        ReaderFailures parser = new ReaderFailures(new Failing(own), new StreamReader(""));

        assertThatThrownBy(parser::getEvent).isSameAs(own);
    }
}
