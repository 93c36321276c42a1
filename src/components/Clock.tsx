import { useEffect, useState } from 'react';

/** Date and time in the resident's language, refreshed every second. */
export function Clock({ locale }: { locale: string }) {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(timer);
  }, []);
  const date = new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  return (
    <p className="clock">
      <time dateTime={now.toISOString()}>
        <span className="clock-time">{time.format(now)}</span>
        <span className="clock-date">{date.format(now)}</span>
      </time>
    </p>
  );
}
