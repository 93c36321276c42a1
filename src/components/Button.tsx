import type { ComponentPropsWithRef, ReactNode } from 'react';

type Props = ComponentPropsWithRef<'button'> & {
  variant?: 'primary' | 'secondary' | 'tile';
  children: ReactNode;
};

/** The kit's only button: at least 64 px high (primary) and 48×48 px (every variant), focus always visible. */
export function Button({ variant = 'primary', className, children, ...rest }: Props) {
  return (
    <button type="button" className={['btn', `btn-${variant}`, className].filter(Boolean).join(' ')} {...rest}>
      {children}
    </button>
  );
}
