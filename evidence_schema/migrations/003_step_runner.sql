-- Version 3: which process runs a step ("BOOT_ID PID START_TICKS" of the machine running unmine), so a
-- later run tells a step still running from one whose process was killed and marks it interrupted.
ALTER TABLE steps ADD COLUMN runner TEXT;
