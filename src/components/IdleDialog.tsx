import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from './Button';

/** "Do you need more time?": modal, focus kept inside and given back when it closes. */
export function IdleDialog({
  secondsLeft,
  onMoreTime,
  onFinish,
}: {
  secondsLeft: number;
  onMoreTime: () => void;
  onFinish: () => void;
}) {
  const { t } = useTranslation();
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    first.current?.focus();
    return () => previous?.focus?.();
  }, []);
  return (
    <div className="dialog-backdrop">
      <div
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="idle-title"
        aria-describedby="idle-seconds"
        className="dialog"
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onMoreTime();
          }
        }}
      >
        <h2 id="idle-title">{t('idle.title')}</h2>
        <p id="idle-seconds" className="countdown" aria-live="polite">
          {t('idle.secondsLeft', { seconds: secondsLeft })}
        </p>
        <div className="dialog-actions">
          <Button ref={first} onClick={onMoreTime}>
            {t('idle.moreTime')}
          </Button>
          <Button variant="secondary" onClick={onFinish}>
            {t('idle.finish')}
          </Button>
        </div>
      </div>
    </div>
  );
}
